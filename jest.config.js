// Two tiers: unit tests beside the code, end-to-end tests in test/ against the real broker and
// database that scripts/test.sh starts.
const moduleNameMapper = {
  '^@app/(contracts|domain|messaging|persistence|platform|auth)(|/.*)$': '<rootDir>/libs/$1/src$2',
};
const transform = {
  '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.json' }],
};

module.exports = {
  // End-to-end tests wait on real services; each sets tighter waits of its own.
  testTimeout: 180000,
  projects: [
    {
      displayName: 'unit',
      testEnvironment: 'node',
      roots: ['<rootDir>/apps', '<rootDir>/libs', '<rootDir>/scripts', '<rootDir>/bench'],
      testMatch: ['**/*.spec.ts'],
      moduleFileExtensions: ['ts', 'js', 'json'],
      moduleNameMapper,
      transform,
    },
    {
      displayName: 'e2e',
      testEnvironment: 'node',
      roots: ['<rootDir>/test'],
      testMatch: ['**/*.e2e-spec.ts'],
      moduleFileExtensions: ['ts', 'js', 'json'],
      moduleNameMapper,
      transform,
    },
  ],
};
