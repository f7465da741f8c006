import 'reflect-metadata';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DataSource } from 'typeorm';
import { openDataSource } from '../store/data-source';
import { AuditEntity } from '../store/entities/audit.entity';
import { AuditWriter, type AuditRecord } from './audit-writer';

/**
 * The SQLite group commit sends a batch as one JSON parameter (sqlite-audit-sink.ts). What lands
 * in the table must be what TypeORM's own insert (one bound parameter per value) stores: same
 * SQL types, same bytes, NULLs as NULL, and rows in the order they were recorded.
 */
describe('AuditWriter on SQLite', () => {
  let dir: string;
  let ds: DataSource;
  let writer: AuditWriter;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kms-audit-'));
    ds = await openDataSource(`sqlite:${join(dir, 'kms.sqlite')}`);
    writer = new AuditWriter(ds);
  });
  afterAll(async () => {
    await writer.close();
    await ds.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  const base: AuditRecord = { at: 1764669600123, tenantId: 't-1', dialect: 'jose', operation: 'encrypt', keyId: 'k-1', backend: 'soft', outcome: 'ok', latencyUs: 321 };
  const tricky: AuditRecord[] = [
    base,
    { ...base, principal: 'cred-1', event: 'LOG_TYPE_X' },
    { ...base, tenantId: null, keyId: null, backend: null, principal: null, event: null },
    { ...base, principal: undefined, event: undefined, latencyUs: 0 },
    { ...base, at: Number.MAX_SAFE_INTEGER, latencyUs: 2 ** 31 + 5 },
    // Text that looks like a number or like JSON stays text.
    { ...base, keyId: '123', principal: 'null', event: '"q"' },
    { ...base, keyId: 'é😀\\u0041', principal: 'a\u0000b', event: 'it\'s "quoted"\n' },
    // Lone surrogates (a JSON body may carry one in a kid): U+FFFD, as a bound parameter stores.
    { ...base, keyId: '\ud800x', principal: 'y\udfff' },
  ];

  /** Every column of the rows after `seq`, as SQL type and hex bytes. */
  const dump = async (afterSeq: number, upTo: number) =>
    await ds.query<Array<Record<string, string>>>(
      `SELECT typeof(at) || ':' || hex(at) AS at, typeof(tenant_id) || ':' || hex(tenant_id) AS tenant, typeof(dialect) || ':' || hex(dialect) AS dialect,
              typeof(operation) || ':' || hex(operation) AS operation, typeof(key_id) || ':' || hex(key_id) AS key, typeof(backend) || ':' || hex(backend) AS backend,
              typeof(outcome) || ':' || hex(outcome) AS outcome, typeof(latency_us) || ':' || hex(latency_us) AS latency, typeof(principal) || ':' || hex(principal) AS principal,
              typeof(event) || ':' || hex(event) AS event
         FROM audit WHERE seq > ? AND seq <= ? ORDER BY seq`,
      [afterSeq, upTo],
    );
  const lastSeq = async () => Number((await ds.query('SELECT coalesce(max(seq), 0) AS s FROM audit'))[0].s);

  it('stores each value with the type and bytes TypeORM binding stores', async () => {
    const start = await lastSeq();
    await ds.getRepository(AuditEntity).insert(tricky.map((r) => ({ ...r, principal: r.principal ?? null, event: r.event ?? null })));
    const mid = await lastSeq();
    await Promise.all(tricky.map((r) => writer.record(r)));
    const bound = await dump(start, mid);
    const json = await dump(mid, await lastSeq());
    expect(bound).toHaveLength(tricky.length);
    expect(json).toEqual(bound);
    expect(json[0]).toMatchObject({ at: expect.stringMatching(/^integer:/), latency: expect.stringMatching(/^integer:/), principal: 'null:', event: 'null:' });
    expect(json[2]).toMatchObject({ tenant: 'null:', key: 'null:', backend: 'null:' });
    expect(json[5].key).toBe(`text:${Buffer.from('123').toString('hex').toUpperCase()}`);
    expect(json[7].key).toBe(`text:${Buffer.from('\ufffdx').toString('hex').toUpperCase()}`);
  });

  it('reads back through the entity as written', async () => {
    const start = await lastSeq();
    await Promise.all(tricky.map((r) => writer.record(r)));
    const rows = await ds.getRepository(AuditEntity).createQueryBuilder('a').where('a.seq > :s', { s: start }).orderBy('a.seq', 'ASC').getMany();
    const expected = tricky.map((r) => ({ ...r, principal: r.principal ?? null, event: r.event ?? null }));
    expected[7] = { ...expected[7], keyId: '\ufffdx', principal: 'y\ufffd' };
    expect(rows.map(({ seq: _seq, ...r }) => r)).toEqual(expected);
  });

  it('commits a large batch as one statement, in the order recorded', async () => {
    const start = await lastSeq();
    const n = 1500; // more than one batch (maxBatch 1000): two statements, each atomic
    await Promise.all(Array.from({ length: n }, (_, i) => writer.record({ ...base, latencyUs: i })));
    const rows = await ds.query<Array<{ l: number }>>('SELECT latency_us AS l FROM audit WHERE seq > ? ORDER BY seq', [start]);
    expect(rows.map((r) => r.l)).toEqual(Array.from({ length: n }, (_, i) => i));
  });
});
