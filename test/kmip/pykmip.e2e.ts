import { spawn } from 'node:child_process';
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify } from 'node:crypto';
import { join } from 'node:path';
import { startKmipWorld, type KmipWorld } from './support';

/**
 * The KMIP listener through PyKMIP (Debian python3-pykmip 0.10.0), the reference KMIP client:
 * test/kmip/pykmip_client.py makes every object operation PyKMIP's client can send, over TLS with
 * a client certificate this suite made and mapped, and prints what PyKMIP answered or raised. The
 * suite runs it once per protocol version, each run as its own tenant (so Locate sees exactly that
 * run's objects), and checks the answers: key bytes against what was registered, public keys
 * against the private keys Get returned, states and attributes against the KMIP state machine.
 */
type Step = { ok: any; error?: undefined } | { ok?: undefined; error: string; reason?: string; message: string };

const VERSIONS = ['1.2', '1.4', '2.0'] as const;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

let world: KmipWorld;
const runs: Record<string, Record<string, Step>> = {};
const registered = generateKeyPairSync('rsa', { modulusLength: 2048 });
const registeredPkcs8 = registered.privateKey.export({ format: 'der', type: 'pkcs8' });
const registeredSpki = registered.publicKey.export({ format: 'der', type: 'spki' });

function runPyKmip(args: string[], input: string): Promise<string> {
  return new Promise((resolve, reject) => {
    // Debian's interpreter explicitly: python3-pykmip is a Debian package (.ci/run installs it).
    const proc = spawn('/usr/bin/python3', [join(__dirname, 'pykmip_client.py'), ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    const timer = setTimeout(() => proc.kill('SIGKILL'), 180_000);
    proc.stdout.on('data', (c: Buffer) => (out += c.toString()));
    proc.stderr.on('data', (c: Buffer) => (err += c.toString()));
    proc.once('exit', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(`pykmip_client.py exited with ${code}:\n${err}`));
    });
    proc.stdin.end(input);
  });
}

beforeAll(async () => {
  world = await startKmipWorld();
  for (const v of VERSIONS) {
    const tenant = `pykmip-${v.replace('.', '-')}`;
    const who = await world.client(`pykmip-${v}`, tenant);
    const input = `${registeredPkcs8.toString('hex')}\n${registeredSpki.toString('hex')}\n`;
    runs[v] = JSON.parse(await runPyKmip(['127.0.0.1', String(world.port), who.cert, who.key, world.serverCa.cert, v, tenant], input));
  }
}, 600_000);
afterAll(async () => {
  await world.gw.stop();
  world.gw.cleanup();
});

/** What PyKMIP answered at `name` in run `v`; fails with what it raised instead. */
function ok(v: string, name: string): any {
  const step = runs[v][name];
  if (!step) throw new Error(`pykmip_client.py ran no step ${name} for ${v}`);
  if (step.error !== undefined) throw new Error(`${v} ${name}: PyKMIP raised ${step.error} ${step.reason ?? ''}: ${step.message}`);
  return step.ok;
}

function refused(v: string, name: string, reason: string, message?: RegExp): void {
  expect(runs[v][name]).toMatchObject({ error: 'KmipOperationFailure', reason });
  if (message) expect((runs[v][name] as { message: string }).message).toMatch(message);
}

/** KMIP 2.0 has Wrong Key Lifecycle State; 1.x stands Illegal Operation in for it. */
const wrongState = (v: string) => (v === '2.0' ? 'WRONG_KEY_LIFECYCLE_STATE' : 'ILLEGAL_OPERATION');
const hex = (b: Buffer) => b.toString('hex');

describe.each(VERSIONS)('PyKMIP speaking KMIP %s', (v) => {
  it('Discover Versions lists 2.0 and 1.4 down to 1.0; Query lists the operations, object types and vendor', () => {
    expect(ok(v, 'discover')).toEqual(['2.0', '1.4', '1.3', '1.2', '1.1', '1.0']);
    const q = ok(v, 'query');
    expect(q.operations).toEqual(expect.arrayContaining(['DISCOVER_VERSIONS', 'QUERY', 'CREATE', 'CREATE_KEY_PAIR', 'REGISTER', 'GET', 'GET_ATTRIBUTES', 'GET_ATTRIBUTE_LIST']));
    expect(q.operations).toEqual(
      expect.arrayContaining(['ADD_ATTRIBUTE', 'MODIFY_ATTRIBUTE', 'DELETE_ATTRIBUTE', 'LOCATE', 'ACTIVATE', 'REVOKE', 'DESTROY', 'CHECK', 'GET_USAGE_ALLOCATION', 'REKEY']),
    );
    expect(q.objects).toEqual(['SYMMETRIC_KEY', 'PUBLIC_KEY', 'PRIVATE_KEY', 'SECRET_DATA']);
    expect(q.vendor).toBe('kms-gateway');
  });

  it('Create makes AES keys Pre-Active with the attributes asked for, and refuses a length AES has not', () => {
    for (const bits of [128, 192, 256]) expect(ok(v, `create_aes_${bits}`)).toMatch(UUID);
    refused(v, 'create_bad_length', 'INVALID_FIELD', /100 bits/);
    const a = ok(v, 'attributes_preactive');
    expect(a.uid).toBe(ok(v, 'create_aes_256'));
    expect(a.attributes).toMatchObject({
      'Unique Identifier': [ok(v, 'create_aes_256')],
      Name: [`pykmip-${v.replace('.', '-')}-aes-256`],
      'Object Type': ['SYMMETRIC_KEY'],
      'Cryptographic Algorithm': ['AES'],
      'Cryptographic Length': [256],
      // Encrypt | Decrypt | Export
      'Cryptographic Usage Mask': [0x4c],
      State: ['PRE_ACTIVE'],
    });
    expect(a.attributes['Initial Date'][0]).toBeGreaterThan(Date.now() / 1000 - 3600);
    expect(a.attributes['Activation Date']).toBeUndefined();
  });

  it('Activate makes a Pre-Active key Active (once); Get returns an Active exportable key and refuses a Pre-Active or a sealed one', () => {
    refused(v, 'get_preactive', wrongState(v));
    expect(runs[v].activate).toEqual({ ok: null });
    refused(v, 'activate_again', wrongState(v), /Pre-Active/);
    expect(ok(v, 'attributes_active').attributes).toMatchObject({ State: ['ACTIVE'], 'Cryptographic Length': [256] });
    expect(ok(v, 'attributes_active').attributes['Activation Date'][0]).toBeGreaterThan(Date.now() / 1000 - 3600);
    expect(ok(v, 'attribute_list')).toEqual(expect.arrayContaining(['Activation Date', 'Cryptographic Algorithm', 'Name', 'State', 'Unique Identifier']));
    expect(ok(v, 'get_aes')).toMatch(/^[0-9a-f]{64}$/);
    refused(v, 'get_sealed', 'PERMISSION_DENIED', /not exportable/);
  });

  it('Check passes the usages the key has and fails one it lacks; Re-key makes a new version under the same id', () => {
    expect(ok(v, 'check_ok')).toBe(ok(v, 'create_aes_256'));
    refused(v, 'check_sign', 'ILLEGAL_OPERATION');
    expect(ok(v, 'rekey')).toBe(ok(v, 'create_aes_256'));
    expect(ok(v, 'get_after_rekey')).toMatch(/^[0-9a-f]{64}$/);
    expect(ok(v, 'get_after_rekey')).not.toBe(ok(v, 'get_aes'));
  });

  it('Create Key Pair makes RSA and EC pairs whose public halves match the private keys Get returns', () => {
    const [rsaPub, rsaPriv] = ok(v, 'pair_rsa');
    expect([rsaPub, rsaPriv]).toEqual([expect.stringMatching(UUID), expect.stringMatching(UUID)]);
    expect(rsaPub).not.toBe(rsaPriv);
    const pub = createPublicKey({ key: Buffer.from(ok(v, 'get_rsa_public'), 'hex'), format: 'der', type: 'spki' });
    const priv = createPrivateKey({ key: Buffer.from(ok(v, 'get_rsa_private'), 'hex'), format: 'der', type: 'pkcs8' });
    expect(pub.asymmetricKeyDetails?.modulusLength).toBe(2048);
    const data = Buffer.from('signed locally');
    expect(verify('sha256', data, pub, sign('sha256', data, priv))).toBe(true);
    expect(ok(v, 'rsa_public_attributes').attributes).toMatchObject({
      'Object Type': ['PUBLIC_KEY'],
      'Cryptographic Algorithm': ['RSA'],
      Name: [`pykmip-${v.replace('.', '-')}-rsa-pub`],
    });
    // Every attribute of a public key, Digest included (SHA-256 of its X.509 form), as PyKMIP reads them.
    const all = ok(v, 'rsa_public_all_attributes').attributes;
    expect(all.Digest).toEqual([
      [
        'SHA_256',
        createHash('sha256')
          .update(Buffer.from(ok(v, 'get_rsa_public'), 'hex'))
          .digest('hex'),
        'X_509',
      ],
    ]);
    expect(all.State).toEqual(['PRE_ACTIVE']);
    const ec = createPublicKey({ key: Buffer.from(ok(v, 'get_ec_public'), 'hex'), format: 'der', type: 'spki' });
    expect(ec.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    refused(v, 'get_ec_private', 'PERMISSION_DENIED');
    expect(ok(v, 'pair_rsa_3072')).toHaveLength(2);
    expect(ok(v, 'pair_ec_384')).toHaveLength(2);
    refused(v, 'pair_bad', 'INVALID_FIELD', /1024 bits/);
  });

  it('Register takes symmetric keys, secret data, PKCS#8 private and X.509 public keys, and Get returns the same bytes', () => {
    expect(ok(v, 'get_registered')).toBe('000102030405060708090a0b0c0d0e0f');
    expect(ok(v, 'get_secret')).toEqual(['PASSWORD', hex(Buffer.from('correct horse battery'))]);
    expect(ok(v, 'register_private')).toMatch(UUID);
    expect(ok(v, 'get_registered_public')).toBe(hex(registeredSpki));
    refused(v, 'register_garbage', 'INVALID_FIELD', /not a PKCS#8 key/);
  });

  it('Locate finds by name, object type, algorithm and state, with Maximum Items and Offset Items', () => {
    expect(ok(v, 'locate_name')).toEqual([ok(v, 'create_aes_128')]);
    expect(ok(v, 'locate_missing')).toEqual([]);
    const privates = ok(v, 'locate_private');
    expect(privates).toEqual(expect.arrayContaining([ok(v, 'pair_rsa')[1], ok(v, 'pair_ec')[1], ok(v, 'register_private')]));
    expect(privates).not.toContain(ok(v, 'pair_rsa')[0]);
    expect(privates).toHaveLength(5);
    const preActiveAes = ok(v, 'locate_aes_preactive');
    expect(preActiveAes).toEqual(expect.arrayContaining([ok(v, 'create_aes_128'), ok(v, 'create_aes_192')]));
    expect(preActiveAes).not.toContain(ok(v, 'create_aes_256'));
    const all = ok(v, 'locate_all');
    // 4 created AES keys, 4 pairs, 4 registered objects: this run's tenant holds nothing else.
    expect(all).toHaveLength(16);
    expect(ok(v, 'locate_page')).toEqual(all.slice(1, 3));
  });

  it('Modify and Delete Attribute rename and remove Names (the key aliases)', () => {
    expect(ok(v, 'modify_name')).toBe(ok(v, 'create_aes_256'));
    expect(ok(v, 'locate_renamed')).toEqual([ok(v, 'create_aes_256')]);
    expect(ok(v, 'delete_name')).toBe(ok(v, 'create_aes_256'));
    expect(ok(v, 'names_after_delete').attributes).toEqual({});
    if (v.startsWith('1.')) {
      expect(runs[v].modify_state).toMatchObject({ message: expect.stringMatching(/State cannot be changed/) });
      expect(ok(v, 'custom_attributes').attributes).toEqual({ 'x-owner': [`pykmip-${v.replace('.', '-')}-team`] });
      expect(ok(v, 'locate_custom')).toEqual([ok(v, 'create_custom')]);
    } else {
      // PyKMIP sends no custom attributes and no 1.x Modify Attribute in 2.0.
      expect(runs[v].custom_attributes).toBeUndefined();
    }
  });

  it('Revoke deactivates or compromises; Destroy refuses an Active key and destroys a revoked one', () => {
    refused(v, 'destroy_active', wrongState(v), /revoked before/);
    expect(runs[v].revoke).toEqual({ ok: null });
    expect(ok(v, 'state_revoked').attributes.State).toEqual(['DEACTIVATED']);
    expect(ok(v, 'state_revoked').attributes['Deactivation Date']).toHaveLength(1);
    expect(ok(v, 'state_compromised').attributes.State).toEqual(['COMPROMISED']);
    expect(ok(v, 'state_compromised').attributes['Compromise Date']).toHaveLength(1);
    expect(runs[v].destroy).toEqual({ ok: null });
    refused(v, 'get_destroyed', 'ITEM_NOT_FOUND');
    refused(v, 'get_unknown', 'ITEM_NOT_FOUND');
  });
});
