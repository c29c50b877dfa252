import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadRequestsConfig } from './requests.config';
import { RequestsModule } from './requests.module';

describe(RequestsModule.name, () => {
  let dir: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'requests-module-'));
  });

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('fails to start with the problems of a bad policy file', () => {
    const policyFile = join(dir, 'bad.yaml');
    writeFileSync(policyFile, 'version: 1\ndefaults:\n  maxDuration: 12h\npolicies: []\n');
    const config = loadRequestsConfig({
      JWT_SECRET: 'a-signing-key-of-at-least-32-characters!',
      POLICY_FILE: policyFile,
    });

    expect(() => RequestsModule.forRoot(config)).toThrow(
      /policy file .*bad\.yaml is invalid:[\s\S]*defaults\.maxDuration/,
    );
  });

  it('fails to start when the policy file is missing', () => {
    const config = loadRequestsConfig({
      JWT_SECRET: 'a-signing-key-of-at-least-32-characters!',
      POLICY_FILE: join(dir, 'missing.yaml'),
    });

    expect(() => RequestsModule.forRoot(config)).toThrow(/missing\.yaml[\s\S]*cannot be read/);
  });

  it('starts with the policy file shipped with the project', () => {
    const config = loadRequestsConfig(
      { JWT_SECRET: 'a-signing-key-of-at-least-32-characters!' },
      join(__dirname, '..', '..', '..'),
    );

    expect(RequestsModule.forRoot(config).module).toBe(RequestsModule);
  });
});
