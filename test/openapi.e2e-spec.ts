import { ALL_SERVICES, TestStack } from './support/stack';

type OpenApiDocument = {
  paths: Record<string, Record<string, { responses: Record<string, unknown>; security?: unknown }>>;
};

describe('the OpenAPI documents', () => {
  let stack: TestStack;
  const documents = new Map<string, OpenApiDocument>();

  beforeAll(async () => {
    stack = await TestStack.start({ name: 'openapi' });
    for (const service of ALL_SERVICES) {
      const response = await fetch(`${stack.url(service)}/openapi.json`);
      documents.set(service, (await response.json()) as OpenApiDocument);
    }
  });
  afterAll(async () => {
    await stack?.close();
  });

  it.each(ALL_SERVICES)('document the 401 of every authenticated operation of %s', (service) => {
    const operations = Object.entries(documents.get(service)!.paths)
      .filter(([path]) => path !== '/health')
      .flatMap(([path, methods]) =>
        Object.entries(methods).map(([method, op]) => ({ path, method, op })),
      );

    expect(operations.length).toBeGreaterThan(0);
    for (const { path, method, op } of operations) {
      expect({ path, method, has401: '401' in op.responses }).toEqual({
        path,
        method,
        has401: true,
      });
    }
  });

  it('documents why an approval can be refused', () => {
    const approve = documents.get('approvals')!.paths['/access-requests/{id}/approve']!['post']!;

    expect(Object.keys(approve.responses)).toEqual(
      expect.arrayContaining(['200', '400', '403', '404', '409']),
    );
  });

  it('documents the ledger reader check', () => {
    const grants = documents.get('ledger')!.paths['/grants']!['get']!;

    expect(Object.keys(grants.responses)).toEqual(
      expect.arrayContaining(['200', '400', '401', '403']),
    );
  });
});
