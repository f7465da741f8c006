import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createPrivateKey } from 'node:crypto';
import { specInfo, type KeyMaterial } from '@kms/core';
import { tempKernel } from '../support/temp-kernel';

/**
 * Generated keys' material must never reach the database in clear: read every file of the
 * SQLite store (main file and WAL) and look for the raw bytes, and their hex and base64 forms.
 */
it('stores no raw key bytes of generated keys in the SQLite files', async () => {
  const t = await tempKernel();
  try {
    const { kernel } = t;
    const ctx = { tenantId: (await kernel.tenants.createTenant('scan')).id, dialect: 'test' };
    const needles: Buffer[] = [];
    for (const spec of ['aes-128', 'aes-256', 'sm4-128', 'secret-256', 'rsa-2048', 'ec-p256', 'ec-secp256k1', 'ec-sm2', 'okp-ed25519', 'okp-x25519', 'ml-dsa-44']) {
      const rec = await kernel.keys.create(ctx, { spec, exportable: true });
      const backend = kernel.router.forKey(rec);
      const loaded = await backend.load({ id: rec.id, spec: specInfo(spec), keyClass: rec.keyClass, backendRef: rec.backendRef, publicKey: rec.publicKey });
      needles.push(...secretParts(await backend.exportMaterial(loaded)));
    }
    const { apikey } = await kernel.tenants.issueEhsmApp(ctx.tenantId);
    needles.push(Buffer.from(apikey));
    await kernel.audit.flush();
    const files = readdirSync(t.dir).filter((f) => f.startsWith('kms.sqlite'));
    expect(files).toContain('kms.sqlite');
    const haystack = Buffer.concat(files.map((f) => readFileSync(join(t.dir, f))));
    for (const n of needles) {
      // 16-byte windows: long enough to be unique, short enough to catch a partial leak.
      const window = n.subarray(0, 16);
      for (const form of [window, Buffer.from(window.toString('hex')), Buffer.from(window.toString('base64').slice(0, 20)), Buffer.from(window.toString('base64url').slice(0, 20))]) {
        expect(haystack.includes(form)).toBe(false);
      }
    }
    expect(needles.length).toBeGreaterThan(11);
  } finally {
    await t.cleanup();
  }
});

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
