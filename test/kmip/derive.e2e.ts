import { spawn } from 'node:child_process';
import { createHmac, pbkdf2Sync } from 'node:crypto';
import { join } from 'node:path';
import {
  CRYPTOGRAPHIC_ALGORITHM,
  DERIVATION_METHOD,
  HASHING_ALGORITHM,
  LINK_TYPE,
  OBJECT_TYPE,
  RESULT_REASON,
  RESULT_STATUS,
  byteString,
  enumeration,
  integer,
  structure,
  textString,
  type Item,
} from '@kms/dialect-kmip';
import { refusedOperation } from '../support/backend';
import type { Issued } from '../tls/pki';
import { child, readResponse, requestMessage, roundTrip, startKmipWorld, valueOf, type BatchItem, type KmipWorld } from './support';

/**
 * Derive Key (PBKDF2, HMAC) through PyKMIP (test/kmip/pykmip_derive.py) in KMIP 1.2 and 2.0, with
 * the derived bytes Get returns checked against node:crypto, and through the codec for what PyKMIP
 * cannot send (the ID Placeholder, an unknown method, another tenant's base object). The base
 * objects' material stays in the backend: on the pkcs11 backend (SoftHSM2 has no PBKDF2 or
 * HMAC-based derivation from a stored key) every derivation is refused with Feature Not Supported.
 */
type Step = { ok: any; error?: undefined } | { ok?: undefined; error: string; reason?: string; message: string };

const VERSIONS = ['1.2', '2.0'] as const;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const PASSWORD = Buffer.from('correct horse battery staple');
const HMAC_BASE = Buffer.from('603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4', 'hex');
const SALT = Buffer.from('a009c1a485912c6ae630d3e744240b04', 'hex');
const DATA = Buffer.from('derivation data for KMIP');
/** Why the backend under test cannot derive (null: it derives). */
const REFUSED = refusedOperation('secret-256', 'PBKDF2');

let world: KmipWorld;
const runs: Record<string, Record<string, Step>> = {};

function runScript(args: string[], input: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const proc = spawn('/usr/bin/python3', [join(__dirname, 'pykmip_derive.py'), ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    const timer = setTimeout(() => proc.kill('SIGKILL'), 120_000);
    proc.stdout.on('data', (c: Buffer) => (out += c.toString()));
    proc.stderr.on('data', (c: Buffer) => (err += c.toString()));
    proc.once('exit', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(`pykmip_derive.py exited with ${code}:\n${err}`));
    });
    proc.stdin.end(input);
  });
}

let alice: Issued;
let bob: Issued;

beforeAll(async () => {
  world = await startKmipWorld();
  for (const v of VERSIONS) {
    const who = await world.client(`derive-${v}`, `derive-${v.replace('.', '-')}`);
    const input = [PASSWORD, HMAC_BASE, SALT].map((b) => b.toString('hex')).join('\n') + '\n';
    runs[v] = JSON.parse(await runScript(['127.0.0.1', String(world.port), who.cert, who.key, world.serverCa.cert, v], input));
  }
  alice = await world.client('derive-alice', 'derive-wire-a');
  bob = await world.client('derive-bob', 'derive-wire-b');
}, 300_000);
afterAll(async () => {
  await world.gw.stop();
  world.gw.cleanup();
});

function ok(v: string, name: string): any {
  const step = runs[v][name];
  if (!step) throw new Error(`pykmip_derive.py ran no step ${name} for ${v}`);
  if (step.error !== undefined) throw new Error(`${v} ${name}: PyKMIP raised ${step.error} ${step.reason ?? ''}: ${step.message}`);
  return step.ok;
}

function refused(v: string, name: string, reason: string, message?: RegExp): void {
  expect(runs[v][name]).toMatchObject({ error: 'KmipOperationFailure', reason });
  if (message) expect((runs[v][name] as { message: string }).message).toMatch(message);
}

/** A derivation the backend runs: its bytes as Get returns them; where it cannot, the refusal. */
function derived(v: string, name: string, expected: Buffer): void {
  if (REFUSED === null) {
    expect(ok(v, name)).toMatch(UUID);
    expect(ok(v, `${name}_get`)).toBe(expected.toString('hex'));
  } else {
    refused(v, name, 'FEATURE_NOT_SUPPORTED', /cannot derive/);
  }
}

describe.each(VERSIONS)('PyKMIP speaking KMIP %s', (v) => {
  it('PBKDF2 from a registered password (Secret Data with Derive Key): the AES key Get returns is PBKDF2-HMAC-SHA256 / SHA-1 of it', () => {
    expect(ok(v, 'password')).toMatch(UUID);
    derived(v, 'pbkdf2_aes', pbkdf2Sync(PASSWORD, SALT, 1000, 32, 'sha256'));
    derived(v, 'pbkdf2_sha1', pbkdf2Sync(PASSWORD, SALT, 1000, 16, 'sha1'));
    // Without a Hashing Algorithm: PKCS #5's default PRF, HMAC-SHA1.
    derived(v, 'pbkdf2_default_hash', pbkdf2Sync(PASSWORD, SALT, 1000, 16, 'sha1'));
  });

  it("HMAC: truncated to the length asked; an HMAC key's own hash whatever the parameters say; a Secret Data base's from the Hashing Algorithm", () => {
    const sha256 = createHmac('sha256', HMAC_BASE).update(DATA).digest();
    derived(v, 'hmac_aes', sha256.subarray(0, 16));
    derived(v, 'hmac_ignores_parameters', sha256.subarray(0, 16));
    derived(v, 'hmac_secret', sha256);
    derived(v, 'hmac_from_password', createHmac('sha512', PASSWORD).update(DATA).digest());
    if (REFUSED === null) {
      // The derived object is Pre-Active until activated, as a created one.
      expect(ok(v, 'hmac_aes_attributes')).toEqual({ 'Object Type': 'SYMMETRIC_KEY', 'Cryptographic Algorithm': 'AES', 'Cryptographic Length': 128, State: 'ACTIVE' });
    } else {
      expect(runs[v].hmac_aes_attributes).toMatchObject({ error: 'Missing' });
    }
  });

  it('a key derived from one that is not exportable is made but not handed out, and cannot be made exportable', () => {
    if (REFUSED === null) {
      expect(ok(v, 'sealed_derived')).toMatch(UUID);
      refused(v, 'sealed_derived_get', 'PERMISSION_DENIED', /not exportable/);
    } else {
      refused(v, 'sealed_derived', 'FEATURE_NOT_SUPPORTED', /cannot derive/);
    }
    refused(v, 'sealed_exportable', 'PERMISSION_DENIED', /not exportable/);
  });

  it('refuses a base without Derive Key, a Pre-Active base, other methods, missing or stray parameters, several bases, a key pair target', () => {
    refused(v, 'no_derive_usage', 'PERMISSION_DENIED', /derive/);
    refused(v, 'preactive', v === '2.0' ? 'WRONG_KEY_LIFECYCLE_STATE' : 'ILLEGAL_OPERATION');
    refused(v, 'method_encrypt', 'FEATURE_NOT_SUPPORTED', /ENCRYPT is not served/);
    refused(v, 'method_hash', 'FEATURE_NOT_SUPPORTED', /HASH is not served/);
    refused(v, 'pbkdf2_no_salt', 'INVALID_FIELD', /Salt is required/);
    refused(v, 'hmac_from_password_no_hash', 'INVALID_FIELD', /needs a Hashing Algorithm/);
    refused(v, 'hmac_too_long', 'INVALID_FIELD', /gives 32 bytes, fewer than the 64 asked/);
    refused(v, 'pbkdf2_md5', 'FEATURE_NOT_SUPPORTED', /MD5/);
    refused(v, 'hmac_no_data', 'INVALID_FIELD', /Derivation Data is required/);
    refused(v, 'hmac_with_salt', 'INVALID_FIELD', /HMAC takes no Salt/);
    refused(v, 'no_length', 'INVALID_FIELD', /Cryptographic Length/);
    refused(v, 'two_bases', 'FEATURE_NOT_SUPPORTED', /several base objects/);
    refused(v, 'private_key_target', 'INVALID_FIELD', /Symmetric Key or Secret Data/);
  });
});

// ---- through the codec ------------------------------------------------------------------------

const V14: [number, number] = [1, 4];
const attr = (name: string, value: Item): Item => structure('Attribute', [textString('Attribute Name', name), { ...value, tag: 0x42000b }]);
const template = (length: number, mask: number): Item =>
  structure('Template-Attribute', [
    attr('Cryptographic Algorithm', enumeration('Attribute Value', CRYPTOGRAPHIC_ALGORITHM['AES'])),
    attr('Cryptographic Length', integer('Attribute Value', length)),
    attr('Cryptographic Usage Mask', integer('Attribute Value', mask)),
  ]);
const hmacParameters = (extra: Item[] = []): Item =>
  structure('Derivation Parameters', [
    structure('Cryptographic Parameters', [enumeration('Hashing Algorithm', HASHING_ALGORITHM['SHA-256'])]),
    byteString('Derivation Data', DATA),
    ...extra,
  ]);
const deriveItem = (method: number, parameters: Item, id?: string): BatchItem => ({
  operation: 'Derive Key',
  payload: [
    enumeration('Object Type', OBJECT_TYPE['Symmetric Key']),
    ...(id ? [textString('Unique Identifier', id)] : []),
    enumeration('Derivation Method', method),
    parameters,
    template(128, 0x4c),
  ],
});

async function call(who: Issued, items: BatchItem[]) {
  return readResponse(await roundTrip(world, who, requestMessage(V14, items)));
}

describe('Derive Key through the codec', () => {
  let base: string;

  it('the ID Placeholder: Create (Encrypt | Derive Key | Export), Activate, Derive Key name no id and derive from the key just made', async () => {
    const r = await call(alice, [
      { operation: 'Create', payload: [enumeration('Object Type', OBJECT_TYPE['Symmetric Key']), template(256, 0x4 | 0x200 | 0x40)] },
      { operation: 'Activate' },
      deriveItem(DERIVATION_METHOD['HMAC'], hmacParameters()),
    ]);
    expect(r.items.slice(0, 2).map((i) => i.status)).toEqual([RESULT_STATUS['Success'], RESULT_STATUS['Success']]);
    base = valueOf(child(r.items[0].payload!, 'Unique Identifier')) as string;
    const last = r.items[2];
    if (REFUSED === null) {
      expect(last.status).toBe(RESULT_STATUS['Success']);
      expect(valueOf(child(last.payload!, 'Unique Identifier'))).toEqual(expect.stringMatching(UUID));
      const derivedId = valueOf(child(last.payload!, 'Unique Identifier')) as string;
      expect(derivedId).not.toBe(base);
      // The new object links to its base (Link Type Derivation Base Object Link).
      const links = await call(alice, [{ operation: 'Get Attributes', payload: [textString('Unique Identifier', derivedId), textString('Attribute Name', 'Link')] }]);
      const value = child(child(links.items[0].payload!, 'Attribute')!, 'Attribute Value')!;
      expect([valueOf(child(value, 'Link Type')), valueOf(child(value, 'Linked Object Identifier'))]).toEqual([LINK_TYPE['Derivation Base Object Link'], base]);
      // ... and the base object to it (Derived Key Link).
      const back = await call(alice, [{ operation: 'Get Attributes', payload: [textString('Unique Identifier', base), textString('Attribute Name', 'Link')] }]);
      const backValue = child(child(back.items[0].payload!, 'Attribute')!, 'Attribute Value')!;
      expect([valueOf(child(backValue, 'Link Type')), valueOf(child(backValue, 'Linked Object Identifier'))]).toEqual([LINK_TYPE['Derived Key Link'], derivedId]);
    } else {
      expect(last).toMatchObject({ status: RESULT_STATUS['Operation Failed'], reason: RESULT_REASON['Feature Not Supported'] });
    }
  });

  it("another tenant's base object is Item Not Found; an unknown method and a stray parameter are Invalid Field", async () => {
    const foreign = await call(bob, [deriveItem(DERIVATION_METHOD['HMAC'], hmacParameters(), base)]);
    expect(foreign.items[0]).toMatchObject({ status: RESULT_STATUS['Operation Failed'], reason: RESULT_REASON['Item Not Found'] });
    const unknown = await call(alice, [deriveItem(99, hmacParameters(), base)]);
    expect(unknown.items[0]).toMatchObject({ status: RESULT_STATUS['Operation Failed'], reason: RESULT_REASON['Invalid Field'], message: 'Derivation Method 99 is unknown' });
    const stray = await call(alice, [deriveItem(DERIVATION_METHOD['HMAC'], hmacParameters([byteString('Initialization Vector', Buffer.alloc(16))]), base)]);
    expect(stray.items[0]).toMatchObject({ status: RESULT_STATUS['Operation Failed'], reason: RESULT_REASON['Invalid Field'], message: 'HMAC takes no Initialization Vector' });
  });
});
