import { Validator } from '@seriousme/openapi-schema-validator';
import { DOCS, expandTemplate, vaultOpenApi } from './openapi';
import type { VaultOperation } from './operations/context';
import { routeFor, servedRoutes } from './operations/table';

/** The operation a documented method and query select, as the transit controller maps them. */
const operationOf = (method: string, parameters: { name: string }[] = []): VaultOperation =>
  ({ get: parameters.some((p) => p.name === 'list') ? 'list' : 'read', post: 'update', delete: 'delete' })[method] as VaultOperation;

describe('the Vault transit OpenAPI document', () => {
  const doc = vaultOpenApi('0.0.0-test') as { paths: Record<string, Record<string, { parameters?: { name: string; in: string }[] }>> };

  it('documents exactly the route templates and operations the table serves', () => {
    const served = servedRoutes().flatMap((r) => r.operations.map((op) => `${op} ${r.template}`));
    const documented = Object.entries(DOCS).flatMap(([template, ops]) => Object.keys(ops).map((op) => `${op} ${template}`));
    expect(documented.sort()).toEqual(served.sort());
  });

  it('expands optional parts into one path each', () => {
    expect(expandTemplate('random[/:a][/:b]')).toEqual([
      { path: 'random', suffix: '' },
      { path: 'random/{a}', suffix: '_a' },
      { path: 'random/{a}/{b}', suffix: '_a_b' },
    ]);
    expect(expandTemplate('keys[/]').map((p) => p.path)).toEqual(['keys', 'keys/']);
    expect(expandTemplate('export/:kind/:name[/:version]').map((p) => p.path)).toEqual(['export/{kind}/{name}', 'export/{kind}/{name}/{version}']);
    expect(() => expandTemplate('a[/:b]/c')).toThrow('text after an optional part');
  });

  it('routes every documented transit path and operation to a handler', () => {
    const transit = Object.entries(doc.paths).filter(([path]) => path.startsWith('/v1/transit/'));
    expect(transit.length).toBeGreaterThan(20);
    for (const [path, item] of transit) {
      const rest = path.slice('/v1/transit/'.length).replace(/\{[^}]+\}/g, 'probe');
      for (const [method, op] of Object.entries(item)) expect(() => routeFor(rest, operationOf(method, op.parameters))).not.toThrow();
    }
  });

  it('is valid OpenAPI 3.1', async () => {
    const result = await new Validator().validate(doc);
    expect(result.errors).toBeUndefined();
    expect(result.valid).toBe(true);
  });
});
