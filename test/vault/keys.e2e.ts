import { createPublicKey } from 'node:crypto';
import { describeRefusals } from '../support/backend';
import { cli, startGateway, type Gateway } from '../support/server';
import { type VaultClient, b64, expectEnvelope, expectRefusal, raw, vaultClient, vaultTenant } from './support';

/**
 * Key management of the transit engine through node-vault (write/read/delete/list and its transit
 * helpers): every key type Vault has that this part serves, the read answer's fields and public
 * keys, listing, configuration, rotation, trimming and deletion with Vault's refusals; the
 * probes clients make first (sys/health, lookup-self); paths that are not served.
 */
let gw: Gateway;
let v: VaultClient;
let token: string;

beforeAll(async () => {
  gw = await startGateway();
  token = await vaultTenant(gw, 'vault-keys');
  v = vaultClient(gw, token);
}, 60000);
afterAll(async () => {
  await gw.stop();
  gw.cleanup();
});

describe('probes', () => {
  it('answers sys/health without a token, as an initialized, unsealed, active Vault', async () => {
    const health = await vaultClient(gw).health();
    expect(health).toMatchObject({ initialized: true, sealed: false, standby: false, version: expect.stringMatching(/^\d+\.\d+\.\d+/) });
    expect((await raw(gw, 'GET', 'sys/health', null)).status).toBe(200);
  });

  it('describes the token through lookup-self (node-vault tokenLookupSelf)', async () => {
    const self = await v.tokenLookupSelf();
    expect(self.data).toMatchObject({ id: token, type: 'service', ttl: 0, renewable: false, meta: { tenant: 'vault-keys' }, policies: ['default'] });
    expect(self.data.accessor).toMatch(/^[0-9a-f-]{36}$/);
    expect(self.mount_type).toBe('token');
  });
});

describe('create and read', () => {
  const TYPES = ['aes128-gcm96', 'aes256-gcm96', 'ed25519', 'ecdsa-p256', 'ecdsa-p384', 'ecdsa-p521', 'rsa-2048', 'rsa-3072', 'rsa-4096', 'hmac'];
  const SUPPORTS: Record<string, [boolean, boolean, boolean]> = {
    'aes128-gcm96': [true, true, false],
    'aes256-gcm96': [true, true, false],
    ed25519: [false, false, true],
    'ecdsa-p256': [false, false, true],
    'ecdsa-p384': [false, false, true],
    'ecdsa-p521': [false, false, true],
    'rsa-2048': [true, true, true],
    'rsa-3072': [true, true, true],
    'rsa-4096': [true, true, true],
    hmac: [false, false, false],
  };
  const CURVE: Record<string, string> = { 'ecdsa-p256': 'prime256v1', 'ecdsa-p384': 'secp384r1', 'ecdsa-p521': 'secp521r1' };

  it.each(TYPES)('creates a %s key and reads it back as Vault describes it', async (type) => {
    const name = `k-${type}`;
    const created = await v.write(`transit/keys/${name}`, { type, exportable: type === 'aes256-gcm96' });
    expectEnvelope(created);
    const read = await v.read(`transit/keys/${name}`);
    expectEnvelope(read);
    const [enc, dec, sig] = SUPPORTS[type];
    expect(read.data).toMatchObject({
      name,
      type,
      latest_version: 1,
      min_decryption_version: 1,
      min_encryption_version: 0,
      min_available_version: 0,
      deletion_allowed: false,
      derived: false,
      exportable: type === 'aes256-gcm96',
      supports_encryption: enc,
      supports_decryption: dec,
      supports_signing: sig,
      auto_rotate_period: 0,
    });
    expect(read.data.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(created.data.id).toBe(read.data.id);
    if (type === 'hmac') {
      expect(read.data.key_size).toBe(32);
      expect(read.data.keys).toBeUndefined();
    } else if (type.startsWith('aes')) {
      expect(Math.abs(read.data.keys['1'] - Date.now() / 1000)).toBeLessThan(120);
    } else {
      const entry = read.data.keys['1'];
      expect(Date.parse(entry.creation_time)).toBeGreaterThan(Date.now() - 120000);
      if (type === 'ed25519') {
        expect(entry.name).toBe('ed25519');
        expect(Buffer.from(entry.public_key, 'base64')).toHaveLength(32);
      } else {
        const pub = createPublicKey(entry.public_key);
        if (type.startsWith('ecdsa')) expect(pub.asymmetricKeyDetails?.namedCurve).toBe(CURVE[type]);
        else expect(pub.asymmetricKeyDetails?.modulusLength).toBe(Number(type.slice(4)));
      }
    }
  });

  it('through the node-vault transit helpers, and creates aes256-gcm96 when no type is given', async () => {
    await v.transitCreateKey({ name: 'helper-made' });
    expect((await v.transitReadKey({ name: 'helper-made' })).data.type).toBe('aes256-gcm96');
  });

  it('makes HMAC keys of key_size bytes, within Vault bounds', async () => {
    expect((await v.write('transit/keys/hmac-64', { type: 'hmac', key_size: 64 })).data.key_size).toBe(64);
    await expectRefusal(v.write('transit/keys/hmac-16', { type: 'hmac', key_size: 16 }), 400, 'invalid key_size 16');
    await expectRefusal(v.write('transit/keys/aes-sized', { type: 'aes256-gcm96', key_size: 32 }), 400, 'key_size is not valid for algorithm aes256-gcm96');
  });

  it('answers an existing name with the key and a warning, as Vault', async () => {
    await v.write('transit/keys/twice', { type: 'ecdsa-p256' });
    const again = await v.write('transit/keys/twice', { type: 'aes256-gcm96' });
    expect(again.data.type).toBe('ecdsa-p256');
    expect(again.warnings).toEqual(['key twice already existed']);
  });

  it('refuses unknown types, managed keys, and derivation where Vault refuses it, with 400', async () => {
    await expectRefusal(v.write('transit/keys/bad', { type: 'des3' }), 400, 'unknown key type des3');
    await expectRefusal(v.write('transit/keys/mk', { type: 'managed_key' }), 400, /managed keys are not supported yet/);
    await expectRefusal(v.write('transit/keys/cv', { convergent_encryption: true }), 400, 'convergent encryption requires derivation to be enabled');
    await expectRefusal(v.write('transit/keys/dr', { type: 'rsa-2048', derived: true }), 400, 'key derivation and convergent encryption not supported for keys of type rsa-2048');
    await expectRefusal(v.write('transit/keys/dh', { type: 'hmac', derived: true }), 400, 'key derivation and convergent encryption not supported for keys of type hmac');
    await expectRefusal(v.write('transit/keys/de', { type: 'ed25519', derived: true }), 400, 'derived ed25519 keys are not supported by this gateway');
    for (const name of ['mk', 'cv', 'dr', 'dh', 'de']) await expectRefusal(v.read(`transit/keys/${name}`), 404);
  });

  it('reads a missing key as a bare 404, and refuses a UUID-form name that names no key', async () => {
    await expectRefusal(v.read('transit/keys/never-made'), 404);
    await expectRefusal(v.write('transit/keys/6f1c1a40-1e0b-4d4e-9a43-5a4b6c7d8e9f', {}), 400, /may not have the form of a key id/);
  });

  it('reaches a key by its UUID as the name', async () => {
    const { data } = await v.write('transit/keys/by-uuid', { type: 'ed25519' });
    const byId = await v.read(`transit/keys/${data.id}`);
    expect(byId.data).toMatchObject({ name: data.id, id: data.id, type: 'ed25519' });
  });

  it('stores auto_rotate_period as the core rotation schedule (at least an hour)', async () => {
    expect((await v.write('transit/keys/auto', { auto_rotate_period: '24h' })).data.auto_rotate_period).toBe(86400);
    await expectRefusal(v.write('transit/keys/auto-short', { auto_rotate_period: '30m' }), 400, 'auto rotate period must be 0 to disable or at least an hour');
    const listed = await cli(gw.dataDir, ['key', 'show', (await v.read('transit/keys/auto')).data.id]);
    expect(listed.json.rotation.periodMs).toBe(86400000);
    expect((await v.write('transit/keys/auto/config', { auto_rotate_period: 0 })).data.auto_rotate_period).toBe(0);
  });
});

describe('list', () => {
  it('answers 404 with no errors while the tenant has no keys, then the names (GET ?list=true and node-vault list)', async () => {
    const other = await vaultTenant(gw, 'vault-empty');
    const empty = vaultClient(gw, other);
    await expectRefusal(empty.list('transit/keys'), 404);
    expect(await raw(gw, 'GET', 'transit/keys?list=true', other)).toEqual({ status: 404, body: { errors: [] } });
    await empty.write('transit/keys/only-one', {});
    expect((await empty.list('transit/keys')).data.keys).toEqual(['only-one']);
    const listed = await raw(gw, 'GET', 'transit/keys?list=true', other);
    expect(listed.status).toBe(200);
    expect(listed.body.data.keys).toEqual(['only-one']);
    expect((await v.list('transit/keys')).data.keys).toEqual(expect.arrayContaining(['k-aes256-gcm96', 'k-rsa-2048', 'helper-made']));
  });

  it('answers GET on the list path without list=true as an unsupported operation (405)', async () => {
    expect(await raw(gw, 'GET', 'transit/keys', token)).toEqual({ status: 405, body: { errors: ['unsupported operation'] } });
  });
});

describe('config, rotate, trim, delete', () => {
  it('rotates, sets the minimum versions, trims and reports it all', async () => {
    await v.write('transit/keys/life', {});
    for (let i = 0; i < 3; i++) await v.write('transit/keys/life/rotate', {});
    let k = (await v.read('transit/keys/life')).data;
    expect(k.latest_version).toBe(4);
    expect(Object.keys(k.keys)).toEqual(['1', '2', '3', '4']);
    await expectRefusal(v.write('transit/keys/life/config', { min_decryption_version: 5 }), 400, 'cannot set min decryption version of 5, latest key version is 4');
    await expectRefusal(v.write('transit/keys/life/config', { min_encryption_version: 9 }), 400, 'cannot set min encryption version of 9, latest key version is 4');
    await expectRefusal(v.write('transit/keys/life/config', { min_decryption_version: -1 }), 400, 'min decryption version cannot be negative');
    await expectRefusal(v.write('transit/keys/life/config', { min_decryption_version: 3, min_encryption_version: 2 }), 400, /should not be greater than min encryption version/);
    await expectRefusal(v.write('transit/keys/life/trim', { min_available_version: 2 }), 400, 'minimum available version cannot be set when minimum encryption version is not set');
    k = (await v.write('transit/keys/life/config', { min_decryption_version: 3, min_encryption_version: 3 })).data;
    expect(k).toMatchObject({ min_decryption_version: 3, min_encryption_version: 3 });
    await expectRefusal(v.write('transit/keys/life/trim', {}), 400, 'missing min_available_version');
    await expectRefusal(v.write('transit/keys/life/trim', { min_available_version: 4 }), 400, /cannot be greater than minimum encryption version/);
    await expectRefusal(v.write('transit/keys/life/trim', { min_available_version: 0 }), 400, 'minimum available version should be positive');
    k = (await v.write('transit/keys/life/trim', { min_available_version: 3 })).data;
    expect(k.min_available_version).toBe(3);
    expect(Object.keys(k.keys)).toEqual(['3', '4']);
    await expectRefusal(v.write('transit/keys/life/trim', { min_available_version: 2 }), 400, 'minimum available version cannot be decremented');
    await expectRefusal(v.write('transit/keys/life/config', { min_decryption_version: 2 }), 400, 'cannot set min decryption version of 2 below min available version of 3');
    const versions = await cli(gw.dataDir, ['key', 'versions', k.id]);
    expect(versions.json.versions.map((x: { version: number; state?: string }) => [x.version, x.state])).toEqual([
      [1, 'destroyed'],
      [2, 'destroyed'],
      [3, 'enabled'],
      [4, 'enabled'],
    ]);
  });

  it('keeps exportable and allow_plaintext_backup once set', async () => {
    await v.write('transit/keys/flags', {});
    const k = (await v.write('transit/keys/flags/config', { exportable: true, allow_plaintext_backup: true })).data;
    expect(k).toMatchObject({ exportable: true, allow_plaintext_backup: true });
    await expectRefusal(v.write('transit/keys/flags/config', { exportable: false }), 400, 'exportable cannot be disabled once set');
  });

  it('refuses config and rotate of a missing key', async () => {
    await expectRefusal(v.write('transit/keys/ghost/config', { deletion_allowed: true }), 400, 'no existing key named ghost could be found');
    await expectRefusal(v.write('transit/keys/ghost/rotate', {}), 400, 'key not found');
  });

  it('deletes only once deletion_allowed is set: the key is destroyed, its name free again', async () => {
    const { data } = await v.write('transit/keys/doomed', {});
    await expectRefusal(v.delete('transit/keys/doomed'), 400, 'error deleting policy doomed: deletion is not allowed for this key');
    expect((await v.write('transit/keys/doomed/config', { deletion_allowed: true })).data.deletion_allowed).toBe(true);
    expect(await raw(gw, 'DELETE', 'transit/keys/doomed', token)).toEqual({ status: 204, body: null });
    await expectRefusal(v.read('transit/keys/doomed'), 404);
    await expectRefusal(v.read(`transit/keys/${data.id}`), 404);
    expect((await cli(gw.dataDir, ['key', 'show', data.id])).json.state).toBe('destroyed');
    await expectRefusal(v.transitDeleteKey({ name: 'doomed' }), 400, 'error deleting policy doomed: could not delete key; not found');
    expect((await v.write('transit/keys/doomed', {})).data.id).not.toBe(data.id);
  });
});

describe('paths', () => {
  it('answers a path no route serves with Vault 404, never a crash', async () => {
    for (const path of ['transit/nothing', 'transit/keys/a/b/c', 'sys/mounts', 'secret/data/x', 'transit/keys/bad%20name']) {
      const r = await raw(gw, 'POST', path, token, {});
      expect(r.status).toBe(404);
      expect(r.body.errors[0]).toMatch(/^no handler for route ".*"\. route entry not found\.$/);
    }
    // A malformed escape is refused before any route runs, still in Vault's shape.
    for (const method of ['GET', 'POST']) {
      expect(await raw(gw, method, 'transit/encrypt/%zz', token, method === 'POST' ? {} : undefined)).toEqual({
        status: 400,
        body: { errors: ['the request path is not valid percent-encoding'] },
      });
    }
  });

  it('answers paths of later parts with a clear 400', async () => {
    for (const [method, path] of [
      ['GET', 'transit/byok-export/k-aes256-gcm96/k-rsa-2048'],
      ['GET', 'transit/backup/k-aes256-gcm96'],
      ['POST', 'transit/restore'],
      ['POST', 'transit/keys/x/csr'],
    ]) {
      const r = await raw(gw, method, path, token, method === 'POST' ? {} : undefined);
      expect(r.status).toBe(400);
      expect(r.body.errors[0]).toMatch(/not supported yet by this gateway/);
    }
  });

  it('answers the wrong method with 405, and a body that is not JSON with 400', async () => {
    expect(await raw(gw, 'GET', 'transit/encrypt/x', token)).toEqual({ status: 405, body: { errors: ['unsupported operation'] } });
    const res = await fetch(`${gw.url}/v1/transit/encrypt/x`, { method: 'POST', headers: { 'x-vault-token': token, 'content-type': 'application/json' }, body: '{"plaintext":' });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { errors: string[] }).errors).toHaveLength(1);
    expect((await raw(gw, 'POST', 'transit/encrypt/x', token, [b64('x')])).status).toBe(400);
  });
});

describeRefusals([]);
