import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { cli, startGateway, TEST_BACKEND, type Gateway } from '../support/server';

/**
 * eHSM-KMS v1 (2022, self-contained `cmk_base64` blobs) at POST /legacy/ehsm?Action=<Name>, driven by
 * test/ehsm/doc-v1-client.py: an independent client written from one document only,
 * ../shared/specs/ehsm-api-v1-cmk-blobs.md, that builds and signs every request exactly as that
 * document's Python samples do (payload in the sample's field order, `unquote(urlencode(...))`,
 * upper-case base64 HMAC-SHA256) with the document's field names. A user who writes a client from
 * that document must succeed unchanged. The script runs once and reports one {name, ok, detail}
 * per case; each case is one test here, and the list below is the contract: a case that
 * disappears from the script's report fails. Besides the samples' form, a few cases sign as the
 * document's prose says (payload sorted in ASCII order) and as the vendor's later code did (sorted,
 * signature not upper-cased), to show those forms work too.
 *
 * Credentials come from the service maintainer, as the document says: the admin CLI's
 * `credential ehsm <tenant>` for two tenants (the second for "a cmk of another appid fails").
 * v1 blobs carry their own key, so the results are expected to be the same on both backends.
 */

const SCRIPT = join(__dirname, 'doc-v1-client.py');

const EXPECTED_CASES = [
  'CreateKey EH_AES_GCM_128',
  'CreateKey EH_AES_GCM_256',
  'CreateKey EH_SM4',
  'CreateKey EH_RSA_3072',
  'CreateKey EH_RSA_4096',
  'CreateKey EH_EC_P256',
  'CreateKey EH_EC_P512',
  'CreateKey EH_EC_SM2',
  'EH_AES_GCM_128 Encrypt/Decrypt round trip with aad',
  'EH_AES_GCM_128 Encrypt/Decrypt plaintext and aad with spaces + & = % and non-ASCII',
  'EH_AES_GCM_128 Encrypt/Decrypt 6144-byte plaintext',
  'EH_AES_GCM_128 Encrypt/Decrypt 6144-byte plaintext of spaces + & = % and non-ASCII',
  'EH_AES_GCM_128 Decrypt with wrong aad fails',
  'EH_AES_GCM_128 GenerateDataKey keylen=16 then Decrypt gives the plaintext',
  'EH_AES_GCM_128 GenerateDataKey keylen=1024 then Decrypt gives the plaintext',
  'EH_AES_GCM_128 GenerateDataKeyWithoutPlaintext keylen=32 then Decrypt gives 32 bytes',
  'EH_AES_GCM_128 ExportDataKey to an EH_RSA_3072 ukey, AsymmetricDecrypt gives the data key',
  'EH_AES_GCM_128 AsymmetricEncrypt refused',
  'EH_AES_GCM_128 AsymmetricDecrypt refused',
  'EH_AES_GCM_128 Sign refused',
  'EH_AES_GCM_128 Verify refused',
  'EH_AES_GCM_256 Encrypt/Decrypt round trip with aad',
  'EH_AES_GCM_256 Encrypt/Decrypt plaintext and aad with spaces + & = % and non-ASCII',
  'EH_AES_GCM_256 Encrypt/Decrypt 6144-byte plaintext',
  'EH_AES_GCM_256 Encrypt/Decrypt 6144-byte plaintext of spaces + & = % and non-ASCII',
  'EH_AES_GCM_256 Decrypt with wrong aad fails',
  'EH_AES_GCM_256 GenerateDataKey keylen=16 then Decrypt gives the plaintext',
  'EH_AES_GCM_256 GenerateDataKey keylen=1024 then Decrypt gives the plaintext',
  'EH_AES_GCM_256 GenerateDataKeyWithoutPlaintext keylen=32 then Decrypt gives 32 bytes',
  'EH_AES_GCM_256 ExportDataKey to an EH_RSA_4096 ukey, AsymmetricDecrypt gives the data key',
  'EH_AES_GCM_256 AsymmetricEncrypt refused',
  'EH_AES_GCM_256 AsymmetricDecrypt refused',
  'EH_AES_GCM_256 Sign refused',
  'EH_AES_GCM_256 Verify refused',
  'EH_SM4 Encrypt/Decrypt round trip with aad',
  'EH_SM4 Encrypt/Decrypt plaintext and aad with spaces + & = % and non-ASCII',
  'EH_SM4 Encrypt/Decrypt 6144-byte plaintext',
  'EH_SM4 Encrypt/Decrypt 6144-byte plaintext of spaces + & = % and non-ASCII',
  'EH_SM4 GenerateDataKey keylen=16 then Decrypt gives the plaintext',
  'EH_SM4 GenerateDataKey keylen=1024 then Decrypt gives the plaintext',
  'EH_SM4 GenerateDataKeyWithoutPlaintext keylen=32 then Decrypt gives 32 bytes',
  'EH_SM4 ExportDataKey to an EH_EC_SM2 ukey, AsymmetricDecrypt gives the data key',
  'EH_SM4 AsymmetricEncrypt refused',
  'EH_SM4 AsymmetricDecrypt refused',
  'EH_SM4 Sign refused',
  'EH_SM4 Verify refused',
  'EH_RSA_3072 AsymmetricEncrypt/AsymmetricDecrypt round trip',
  'EH_RSA_3072 AsymmetricEncrypt/AsymmetricDecrypt plaintext with spaces + & = % and non-ASCII',
  'EH_RSA_3072 Encrypt refused',
  'EH_RSA_3072 Decrypt refused',
  'EH_RSA_3072 GenerateDataKey refused',
  'EH_RSA_3072 GenerateDataKeyWithoutPlaintext refused',
  'EH_RSA_3072 ExportDataKey refused',
  'EH_RSA_4096 AsymmetricEncrypt/AsymmetricDecrypt round trip',
  'EH_RSA_4096 AsymmetricEncrypt/AsymmetricDecrypt plaintext with spaces + & = % and non-ASCII',
  'EH_RSA_4096 Encrypt refused',
  'EH_RSA_4096 Decrypt refused',
  'EH_RSA_4096 GenerateDataKey refused',
  'EH_RSA_4096 GenerateDataKeyWithoutPlaintext refused',
  'EH_RSA_4096 ExportDataKey refused',
  'EH_EC_SM2 AsymmetricEncrypt/AsymmetricDecrypt round trip',
  'EH_EC_SM2 AsymmetricEncrypt/AsymmetricDecrypt plaintext with spaces + & = % and non-ASCII',
  'EH_EC_SM2 Encrypt refused',
  'EH_EC_SM2 Decrypt refused',
  'EH_EC_SM2 GenerateDataKey refused',
  'EH_EC_SM2 GenerateDataKeyWithoutPlaintext refused',
  'EH_EC_P256 Encrypt refused',
  'EH_EC_P256 Decrypt refused',
  'EH_EC_P256 AsymmetricEncrypt refused',
  'EH_EC_P256 AsymmetricDecrypt refused',
  'EH_EC_P256 GenerateDataKey refused',
  'EH_EC_P256 GenerateDataKeyWithoutPlaintext refused',
  'EH_EC_P512 Encrypt refused',
  'EH_EC_P512 Decrypt refused',
  'EH_EC_P512 AsymmetricEncrypt refused',
  'EH_EC_P512 AsymmetricDecrypt refused',
  'EH_EC_P512 GenerateDataKey refused',
  'EH_EC_P512 GenerateDataKeyWithoutPlaintext refused',
  'EH_RSA_3072 Sign/Verify true',
  'EH_RSA_3072 Sign/Verify digest with spaces + & = % and non-ASCII',
  'EH_RSA_3072 Verify with a tampered digest is not true',
  'EH_RSA_3072 Verify with a tampered signature is not true',
  'EH_RSA_4096 Sign/Verify true',
  'EH_RSA_4096 Sign/Verify digest with spaces + & = % and non-ASCII',
  'EH_RSA_4096 Verify with a tampered digest is not true',
  'EH_RSA_4096 Verify with a tampered signature is not true',
  'EH_EC_P256 Sign/Verify true',
  'EH_EC_P256 Sign/Verify digest with spaces + & = % and non-ASCII',
  'EH_EC_P256 Verify with a tampered digest is not true',
  'EH_EC_P256 Verify with a tampered signature is not true',
  'EH_EC_P512 Sign/Verify true',
  'EH_EC_P512 Sign/Verify digest with spaces + & = % and non-ASCII',
  'EH_EC_P512 Verify with a tampered digest is not true',
  'EH_EC_P512 Verify with a tampered signature is not true',
  'EH_EC_SM2 Sign/Verify true',
  'EH_EC_SM2 Sign/Verify digest with spaces + & = % and non-ASCII',
  'EH_EC_SM2 Verify with a tampered digest is not true',
  'EH_EC_SM2 Verify with a tampered signature is not true',
  'ExportDataKey with an EH_EC_P256 ukey refused',
  'ExportDataKey with an EH_AES_GCM_256 ukey refused',
  'EH_AES_GCM_128 flipped byte in cmk_base64 fails',
  'EH_AES_GCM_128 cmk used by another appid fails',
  'EH_AES_GCM_256 flipped byte in cmk_base64 fails',
  'EH_AES_GCM_256 cmk used by another appid fails',
  'EH_SM4 flipped byte in cmk_base64 fails',
  'EH_SM4 cmk used by another appid fails',
  'EH_RSA_3072 flipped byte in cmk_base64 fails',
  'EH_RSA_3072 cmk used by another appid fails',
  'EH_RSA_4096 flipped byte in cmk_base64 fails',
  'EH_RSA_4096 cmk used by another appid fails',
  'EH_EC_P256 flipped byte in cmk_base64 fails',
  'EH_EC_P256 cmk used by another appid fails',
  'EH_EC_P512 flipped byte in cmk_base64 fails',
  'EH_EC_P512 cmk used by another appid fails',
  'EH_EC_SM2 flipped byte in cmk_base64 fails',
  'EH_EC_SM2 cmk used by another appid fails',
  'timestamp 25 minutes in the past accepted',
  'timestamp 31 minutes in the past refused',
  'timestamp 31 minutes in the future refused',
  'repeated identical request (same timestamp) refused',
  'repeated identical request with a 25-minute-old timestamp refused',
  'request signed with a wrong appkey refused',
  'Decrypt signed over the sorted payload with the base64 signature as it is (sample-order body) accepted',
  'Decrypt with a fully lower-cased signature refused',
  "Decrypt signed over the sorted payload (the document's prose) with an upper-case signature (sample-order body) accepted",
  'Decrypt signed over the sorted payload with the base64 signature as it is (sorted body) accepted',
];

interface Case {
  name: string;
  ok: boolean;
  detail: string;
}

let gw: Gateway;
let cases: Case[] = [];
let runError = '';
let appids: string[] = [];

function runScript(args: string[]): Promise<{ code: number | string; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('python3', [SCRIPT, ...args], { maxBuffer: 64 * 1024 * 1024, timeout: 540_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : String(err.code ?? err.message)) : 0, stdout, stderr });
    });
  });
}

async function credential(tenant: string): Promise<{ appid: string; apikey: string }> {
  const created = await cli(gw.dataDir, ['tenant', 'create', tenant]);
  if (created.code !== 0) throw new Error(`tenant create ${tenant}: ${created.stdout}${created.stderr}`);
  const cred = await cli(gw.dataDir, ['credential', 'ehsm', tenant]);
  if (cred.code !== 0 || !cred.json?.appid || !cred.json?.apikey) throw new Error(`credential ehsm ${tenant}: ${cred.stdout}${cred.stderr}`);
  return { appid: cred.json.appid, apikey: cred.json.apikey };
}

beforeAll(async () => {
  gw = await startGateway();
  try {
    const a = await credential('docv1-main');
    const b = await credential('docv1-other');
    appids = [a.appid, b.appid];
    const r = await runScript(['--base', `${gw.url}/legacy`, '--appid', a.appid, '--appkey', a.apikey, '--appid2', b.appid, '--appkey2', b.apikey]);
    const last = r.stdout.trim().split('\n').pop() ?? '';
    try {
      cases = JSON.parse(last);
    } catch {
      runError = `doc-v1-client.py exited ${r.code}; stdout: ${r.stdout.slice(0, 2000)}; stderr: ${r.stderr.slice(0, 4000)}`;
    }
  } catch (e) {
    runError = String(e);
  }
}, 600_000);

afterAll(async () => {
  await gw?.stop();
  gw?.cleanup();
});

describe(`eHSM v1 from the document only (ehsm-api-v1-cmk-blobs.md), backend ${TEST_BACKEND}`, () => {
  it('the script ran and reported its cases', () => {
    expect(runError).toBe('');
    expect(appids).toHaveLength(2);
    expect(cases.length).toBeGreaterThan(0);
  });

  it('reports exactly the expected cases, each once', () => {
    const names = cases.map((c) => c.name);
    expect(new Set(names).size).toBe(names.length);
    expect([...names].sort()).toEqual([...EXPECTED_CASES].sort());
  });

  it.each(EXPECTED_CASES)('%s', (name) => {
    const c = cases.find((x) => x.name === name);
    // On failure the message is the case's detail, with the server's reply.
    expect(c ? (c.ok ? 'ok' : `failed: ${c.detail}`) : `missing from the report ${runError}`).toBe('ok');
  });
});
