import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createPrivateKey } from 'node:crypto';
import { materialId, specInfo, type KeyMaterial } from '@kms/core';
import type { Kernel } from '../support/kernel-types';
import { tempKernel } from '../support/temp-kernel';
import { TEST_DB } from '../support/test-db';

/**
 * Generated keys' material must never reach the database in clear: read every file of the
 * SQLite store (main file and WAL), or every row of every table on PostgreSQL, and look for the
 * raw bytes, and their hex and base64 forms.
 */
it(`stores no raw key bytes of generated keys in the ${TEST_DB === 'pg' ? 'PostgreSQL tables' : 'SQLite files'}`, async () => {
  const t = await tempKernel();
  try {
    const { kernel } = t;
    const ctx = { tenantId: (await kernel.tenants.createTenant('scan')).id, dialect: 'test' };
    const needles: Buffer[] = [];
    const publicKeys: Buffer[] = [];
    for (const spec of ['aes-128', 'aes-256', 'sm4-128', 'secret-256', 'rsa-2048', 'ec-p256', 'ec-secp256k1', 'ec-sm2', 'okp-ed25519', 'okp-x25519', 'ml-dsa-44']) {
      const first = await kernel.keys.create(ctx, { spec, exportable: true });
      // A second version too (SM4 keys do not rotate): each version's material is sealed on its own.
      const rec = spec === 'sm4-128' ? first : await kernel.keys.lifecycle.rotate(ctx, first.id);
      const backend = kernel.router.forKey(rec);
      for (const v of rec.versions) {
        const loaded = await backend.load({ id: materialId(rec.id, v.version), spec: specInfo(spec), keyClass: rec.keyClass, backendRef: v.backendRef, publicKey: v.publicKey });
        needles.push(...secretParts(await backend.exportMaterial(loaded)));
        if (v.publicKey) publicKeys.push(v.publicKey);
      }
    }
    const { apikey } = await kernel.tenants.issueEhsmApp(ctx.tenantId);
    needles.push(Buffer.from(apikey));
    await kernel.audit.flush();
    const haystack = TEST_DB === 'pg' ? await tableDump(kernel) : sqliteFiles(t.dir);
    // A positive control: public keys are stored (base64), so the scan must find them.
    for (const pub of publicKeys) expect(haystack.includes(Buffer.from(pub.toString('base64').slice(0, 40)))).toBe(true);
    for (const n of needles) {
      // 16-byte windows: long enough to be unique, short enough to catch a partial leak.
      const window = n.subarray(0, 16);
      for (const form of [
        window,
        Buffer.from(window.toString('hex')),
        Buffer.from(window.toString('base64').slice(0, 20)),
        Buffer.from(window.toString('base64url').slice(0, 20)),
      ]) {
        expect(haystack.includes(form)).toBe(false);
      }
    }
    expect(needles.length).toBeGreaterThan(11);
  } finally {
    await t.cleanup();
  }
});

function sqliteFiles(dir: string): Buffer {
  const files = readdirSync(dir).filter((f) => f.startsWith('kms.sqlite'));
  expect(files).toContain('kms.sqlite');
  return Buffer.concat(files.map((f) => readFileSync(join(dir, f))));
}

/** Every row of every table of the schema, as text (PostgreSQL keeps no file we could scan). */
async function tableDump(kernel: Kernel): Promise<Buffer> {
  const tables: Array<{ tablename: string }> = await kernel.ds.query("SELECT tablename FROM pg_tables WHERE schemaname = 'public'");
  expect(tables.map((t) => t.tablename)).toEqual(expect.arrayContaining(['keys', 'credentials', 'audit']));
  const parts: string[] = [];
  for (const { tablename } of tables) parts.push(JSON.stringify(await kernel.ds.query(`SELECT * FROM "${tablename}"`)));
  return Buffer.from(parts.join('\n'));
}

/** The secret parts of a key: the bytes themselves, or the private scalar/exponent of a pkcs8 key. */
function secretParts(m: KeyMaterial): Buffer[] {
  if (m.kind === 'secret' || m.kind === 'raw-private') return [m.bytes];
  if (m.kind === 'pkcs8') {
    const jwkOrDer = createPrivateKey({ key: m.der, format: 'der', type: 'pkcs8' });
    const type = jwkOrDer.asymmetricKeyType;
    if (type === 'ed25519' || type === 'x25519') return [m.der.subarray(-32)];
    const jwk = jwkOrDer.export({ format: 'jwk' });
    return [jwk.d, jwk.p, jwk.q].filter((x): x is string => !!x).map((x) => Buffer.from(x, 'base64url'));
  }
  return [];
}
