import { constants, createCipheriv, createDecipheriv, publicEncrypt, randomBytes } from 'node:crypto';
import { signedEhsmBody } from '../support/ehsm-sign';
import { cli, startGateway, type Gateway } from '../support/server';
import { type VaultClient, b64, expectRefusal, parseVersioned, raw, unb64, vaultClient, vaultTenant } from './support';

/**
 * Vault and eHSM on one tenant's keys: a key made (or imported) through transit is used through
 * eHSM by its keyid (the `id` transit's read answers), and a key eHSM made is used through
 * transit by its UUID. Both lay out AES-GCM as nonce, ciphertext and tag, in different orders
 * (Vault: nonce ‖ ciphertext ‖ tag; eHSM: ciphertext ‖ nonce ‖ tag), so each one's ciphertext,
 * re-laid, opens through the other: the same material is in use.
 */
let gw: Gateway;
let v: VaultClient;
let token: string;
let app: { appid: string; apikey: string };

beforeAll(async () => {
  gw = await startGateway();
  token = await vaultTenant(gw, 'vault-ehsm');
  const issued = await cli(gw.dataDir, ['credential', 'ehsm', 'vault-ehsm']);
  expect(issued.code).toBe(0);
  app = issued.json;
  v = vaultClient(gw, token);
}, 120000);
afterAll(async () => {
  await gw.stop();
  gw.cleanup();
});

async function ehsm(action: string, payload: Record<string, unknown>) {
  const res = await fetch(`${gw.url}/ehsm?Action=${action}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: signedEhsmBody(app, payload) });
  expect(res.status).toBe(200);
  return (await res.json()) as { code: number; message: string; result: any };
}

/** Vault's `vault:vN:` AES-GCM ciphertext as eHSM lays it out. */
function vaultToEhsm(ciphertext: string): string {
  const { bytes } = parseVersioned(ciphertext);
  return b64(Buffer.concat([bytes.subarray(12, bytes.length - 16), bytes.subarray(0, 12), bytes.subarray(bytes.length - 16)]));
}

/** eHSM's AES-GCM ciphertext as Vault lays it out, for key version `version`. */
function ehsmToVault(ciphertext: string, version = 1): string {
  const bytes = unb64(ciphertext);
  const body = bytes.subarray(0, bytes.length - 28);
  return `vault:v${version}:${b64(Buffer.concat([bytes.subarray(bytes.length - 28, bytes.length - 16), body, bytes.subarray(bytes.length - 16)]))}`;
}

const vaultEncrypt = async (name: string, plaintext: string) => (await v.write(`transit/encrypt/${name}`, { plaintext: b64(plaintext) })).data.ciphertext as string;
const vaultDecrypt = async (name: string, ciphertext: string) => unb64((await v.write(`transit/decrypt/${name}`, { ciphertext })).data.plaintext).toString();

async function ehsmEncrypt(keyid: string, plaintext: string): Promise<string> {
  const enc = await ehsm('Encrypt', { keyid, plaintext: b64(plaintext) });
  expect(enc.code).toBe(200);
  return enc.result.ciphertext as string;
}
async function ehsmDecrypt(keyid: string, ciphertext: string): Promise<string> {
  const dec = await ehsm('Decrypt', { keyid, ciphertext });
  expect(dec.code).toBe(200);
  return unb64(dec.result.plaintext).toString();
}

it('a Vault-made AES key is used through eHSM by its keyid: each one opens the other’s ciphertexts', async () => {
  await v.write('transit/keys/orders', { type: 'aes256-gcm96' });
  const keyid = (await v.read('transit/keys/orders')).data.id as string;
  expect(keyid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  const fromEhsm = await ehsmEncrypt(keyid, 'sealed through eHSM');
  expect(await vaultDecrypt('orders', ehsmToVault(fromEhsm))).toBe('sealed through eHSM');
  expect(await ehsmDecrypt(keyid, vaultToEhsm(await vaultEncrypt('orders', 'sealed through Vault')))).toBe('sealed through Vault');
  // eHSM lists it, by the same id.
  const listed = await ehsm('ListKey', {});
  expect(listed.code).toBe(200);
  expect(JSON.stringify(listed.result)).toContain(keyid);
});

it('a key imported through Vault (BYOK) encrypts through eHSM under the known material', async () => {
  const known = randomBytes(32);
  const pem = (await v.read('transit/wrapping_key')).data.public_key as string;
  const ephemeral = randomBytes(32);
  const kwp = createCipheriv('id-aes256-wrap-pad', ephemeral, Buffer.from('a65959a6', 'hex'));
  const wrapped = Buffer.concat([publicEncrypt({ key: pem, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, ephemeral), kwp.update(known), kwp.final()]);
  expect((await raw(gw, 'POST', 'transit/keys/imported/import', token, { ciphertext: b64(wrapped) })).status).toBe(204);
  const keyid = (await v.read('transit/keys/imported')).data.id as string;
  const blob = unb64(await ehsmEncrypt(keyid, 'known key, eHSM wire'));
  const d = createDecipheriv('aes-256-gcm', known, blob.subarray(blob.length - 28, blob.length - 16));
  d.setAuthTag(blob.subarray(blob.length - 16));
  expect(Buffer.concat([d.update(blob.subarray(0, blob.length - 28)), d.final()]).toString()).toBe('known key, eHSM wire');
});

it('an eHSM-made AES key is used through Vault by its UUID, and disabling it through eHSM stops transit', async () => {
  const created = await ehsm('CreateKey', { keyspec: 'EH_AES_GCM_256', origin: 'EH_INTERNAL_KEY', keyusage: 'EH_KEYUSAGE_ENCRYPT_DECRYPT' });
  expect(created.code).toBe(200);
  const keyid = created.result.keyid as string;
  expect((await v.read(`transit/keys/${keyid}`)).data).toMatchObject({ name: keyid, id: keyid, type: 'aes256-gcm96', latest_version: 1, imported_key: false });
  const fromVault = await vaultEncrypt(keyid, 'sealed through Vault by UUID');
  expect(fromVault).toMatch(/^vault:v1:/);
  expect(await ehsmDecrypt(keyid, vaultToEhsm(fromVault))).toBe('sealed through Vault by UUID');
  expect(await vaultDecrypt(keyid, ehsmToVault(await ehsmEncrypt(keyid, 'sealed through eHSM')))).toBe('sealed through eHSM');

  expect((await ehsm('DisableKey', { keyid })).code).toBe(200);
  await expectRefusal(v.write(`transit/encrypt/${keyid}`, { plaintext: b64('x') }), 400, /disabled/);
  expect((await ehsm('EnableKey', { keyid })).code).toBe(200);
  expect(await vaultDecrypt(keyid, await vaultEncrypt(keyid, 'enabled again'))).toBe('enabled again');
});
