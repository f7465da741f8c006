import { constants, createHash, createHmac, createPublicKey, randomBytes, verify as nodeVerify, type KeyObject } from 'node:crypto';
import { weierstrass } from '@noble/curves/abstract/weierstrass.js';
import {
  CreateKeyCommand,
  GenerateMacCommand,
  GetPublicKeyCommand,
  KMSClient,
  SignCommand,
  VerifyCommand,
  VerifyMacCommand,
  DescribeKeyCommand,
  type CreateKeyCommandInput,
  type KeyMetadata,
  type KeySpec,
  type MacAlgorithmSpec,
  type SigningAlgorithmSpec,
} from '@aws-sdk/client-kms';
import { describeRefusals } from '../support/backend';
import { cli, startGateway, type Gateway } from '../support/server';
import { awsTenant, bytes, kmsClient, refusal, refusedAs, withKeyOf } from './support';

/**
 * Signatures and MACs through the AWS SDK: every SigningAlgorithm of every signing KeySpec, with
 * MessageType RAW and DIGEST, each signature checked locally (node:crypto, or the SM2 verification
 * below for SM2DSA) against GetPublicKey's SPKI; HMAC keys of every size, checked against a local
 * HMAC where the test knows the key (imported through the JOSE dialect, the same key store).
 */
let gw: Gateway;
let kms: KMSClient;
let joseToken: string;

const create = async (input: CreateKeyCommandInput): Promise<KeyMetadata> => (await kms.send(new CreateKeyCommand(input))).KeyMetadata!;
const publicKeyOf = async (KeyId: string) => bytes((await kms.send(new GetPublicKeyCommand({ KeyId }))).PublicKey);

beforeAll(async () => {
  gw = await startGateway();
  kms = kmsClient(gw, await awsTenant(gw, 'aws-sign'));
  joseToken = (await cli(gw.dataDir, ['credential', 'jose', 'aws-sign'])).json.token;
}, 60000);
afterAll(async () => {
  await gw.stop();
  gw.cleanup();
});

const ALL_ALGORITHMS: SigningAlgorithmSpec[] = [
  'RSASSA_PSS_SHA_256',
  'RSASSA_PSS_SHA_384',
  'RSASSA_PSS_SHA_512',
  'RSASSA_PKCS1_V1_5_SHA_256',
  'RSASSA_PKCS1_V1_5_SHA_384',
  'RSASSA_PKCS1_V1_5_SHA_512',
  'ECDSA_SHA_256',
  'ECDSA_SHA_384',
  'ECDSA_SHA_512',
  'SM2DSA',
];
const RSA_ALGORITHMS = ALL_ALGORITHMS.filter((a) => a.startsWith('RSASSA'));
const HASH_OF: Record<string, { node: string; size: number }> = {
  SHA_256: { node: 'sha256', size: 32 },
  SHA_384: { node: 'sha384', size: 48 },
  SHA_512: { node: 'sha512', size: 64 },
};
const hashOf = (alg: SigningAlgorithmSpec) => HASH_OF[alg.slice(-7)];

/** The node:crypto verification of an AWS signature over `message` (RSA-PSS with a salt as long as the digest, as AWS signs). */
function verifiesLocally(alg: SigningAlgorithmSpec, pub: KeyObject, message: Buffer, signature: Buffer): boolean {
  const { node, size } = hashOf(alg);
  if (alg.startsWith('RSASSA_PSS')) return nodeVerify(node, message, { key: pub, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: size }, signature);
  return nodeVerify(node, message, pub, signature);
}

// ---- SM2DSA, checked by the test's own arithmetic (node's OpenSSL binding cannot load SM2 keys) ----

const SM2 = {
  p: 0xfffffffeffffffffffffffffffffffffffffffff00000000ffffffffffffffffn,
  a: 0xfffffffeffffffffffffffffffffffffffffffff00000000fffffffffffffffcn,
  b: 0x28e9fa9e9d9f5e344d5a9e4bcf6509a7f39789f515ab8f92ddbcbd414d940e93n,
  n: 0xfffffffeffffffffffffffffffffffff7203df6b21c6052b53bbf40939d54123n,
  Gx: 0x32c4ae2c1f1981195f9904466a39c9948fe30bbff2660be1715a4589334c74c7n,
  Gy: 0xbc3736a2f4f6779c59bdcee36b692153d0a9877cc62a474002df32e52139f0a0n,
};
const Sm2Point = weierstrass({ ...SM2, h: 1n });
const be32 = (v: bigint) => Buffer.from(v.toString(16).padStart(64, '0'), 'hex');
const sm3 = (...parts: Buffer[]) => createHash('sm3').update(Buffer.concat(parts)).digest();

/** Z_A of GB/T 32918.2 with the default ID 1234567812345678: SM3(ENTL || ID || a || b || Gx || Gy || x || y). */
function sm2Za(spki: Buffer): Buffer {
  const id = Buffer.from('1234567812345678');
  const entl = Buffer.alloc(2);
  entl.writeUInt16BE(id.length * 8);
  const point = spki.subarray(-64);
  return sm3(entl, id, be32(SM2.a), be32(SM2.b), be32(SM2.Gx), be32(SM2.Gy), point);
}

/** The DER SEQUENCE { INTEGER r, INTEGER s } of a signature. */
function derRs(sig: Buffer): [bigint, bigint] {
  expect(sig[0]).toBe(0x30);
  const out: bigint[] = [];
  let at = 2;
  for (let i = 0; i < 2; i++) {
    expect(sig[at]).toBe(0x02);
    const len = sig[at + 1];
    out.push(BigInt(`0x${sig.subarray(at + 2, at + 2 + len).toString('hex')}`));
    at += 2 + len;
  }
  expect(at).toBe(sig.length);
  return [out[0], out[1]];
}

/** GB/T 32918.2 verification over e = SM3(Z_A || M) (or a digest given as e). */
function sm2Verifies(spki: Buffer, e: Buffer, signature: Buffer): boolean {
  const [r, s] = derRs(signature);
  if (r < 1n || r >= SM2.n || s < 1n || s >= SM2.n) return false;
  const t = (r + s) % SM2.n;
  if (t === 0n) return false;
  const P = Sm2Point.fromBytes(Uint8Array.from(spki.subarray(-65)));
  const x1 = Sm2Point.BASE.multiply(s).add(P.multiply(t)).toAffine().x;
  return (BigInt(`0x${e.toString('hex')}`) + x1) % SM2.n === r;
}

// ---- signing keys --------------------------------------------------------------------------

const SIGNING_KEYS: [KeySpec, string, SigningAlgorithmSpec[]][] = [
  ['RSA_2048', 'rsa-2048', RSA_ALGORITHMS],
  ['RSA_3072', 'rsa-3072', RSA_ALGORITHMS],
  ['RSA_4096', 'rsa-4096', RSA_ALGORITHMS],
  ['ECC_NIST_P256', 'ec-p256', ['ECDSA_SHA_256']],
  ['ECC_NIST_P384', 'ec-p384', ['ECDSA_SHA_384']],
  ['ECC_NIST_P521', 'ec-p521', ['ECDSA_SHA_512']],
  ['ECC_SECG_P256K1', 'ec-secp256k1', ['ECDSA_SHA_256']],
  ['SM2', 'ec-sm2', ['SM2DSA']],
];

describe('Sign and Verify', () => {
  it.each(SIGNING_KEYS)('%s: every valid algorithm, RAW and DIGEST, verified locally and by Verify', (KeySpec, spec, algorithms) =>
    withKeyOf(kms, { KeySpec, KeyUsage: 'SIGN_VERIFY' }, spec, KeySpec, async (m) => {
      expect([...m.SigningAlgorithms!].sort()).toEqual([...algorithms].sort());
      const spki = await publicKeyOf(m.KeyId!);
      const pub = KeySpec === 'SM2' ? null : createPublicKey({ key: spki, format: 'der', type: 'spki' });
      const message = Buffer.from(`a message signed with ${KeySpec}`);

      for (const SigningAlgorithm of algorithms) {
        // The local digest a DIGEST request carries: of the message, or for SM2DSA of Z_A || message.
        const digest = SigningAlgorithm === 'SM2DSA' ? sm3(sm2Za(spki), message) : createHash(hashOf(SigningAlgorithm).node).update(message).digest();
        const locally = (signature: Buffer) => (pub ? verifiesLocally(SigningAlgorithm, pub, message, signature) : sm2Verifies(spki, digest, signature));

        const raw = await kms.send(new SignCommand({ KeyId: m.KeyId, Message: message, SigningAlgorithm }));
        expect(raw).toMatchObject({ KeyId: m.Arn, SigningAlgorithm });
        const signedDigest = await kms.send(new SignCommand({ KeyId: m.Arn, Message: digest, MessageType: 'DIGEST', SigningAlgorithm }));
        for (const [how, signature] of [
          ['RAW', bytes(raw.Signature)],
          ['DIGEST', bytes(signedDigest.Signature)],
        ] as const) {
          const what = `${SigningAlgorithm} ${how}`;
          expect([what, locally(signature)]).toEqual([what, true]);
          // Verify takes the message, or its digest, whichever way it was signed.
          const byMessage = await kms.send(new VerifyCommand({ KeyId: m.KeyId, Message: message, Signature: signature, SigningAlgorithm }));
          expect([what, byMessage.SignatureValid, byMessage.SigningAlgorithm, byMessage.KeyId]).toEqual([what, true, SigningAlgorithm, m.Arn]);
          const byDigest = await kms.send(new VerifyCommand({ KeyId: m.KeyId, Message: digest, MessageType: 'DIGEST', Signature: signature, SigningAlgorithm }));
          expect([what, byDigest.SignatureValid]).toEqual([what, true]);
          // A changed signature or message does not verify.
          const tampered = Buffer.from(signature);
          tampered[tampered.length - 1] ^= 0x01;
          expect([what, locally(tampered)]).toEqual([what, false]);
          expect([what, await refusal(kms.send(new VerifyCommand({ KeyId: m.KeyId, Message: message, Signature: tampered, SigningAlgorithm })))]).toEqual([
            what,
            expect.objectContaining({ name: 'KMSInvalidSignatureException', status: 400 }),
          ]);
          expect([what, await refusedAs(kms.send(new VerifyCommand({ KeyId: m.KeyId, Message: Buffer.from('another message'), Signature: signature, SigningAlgorithm })))]).toEqual(
            [what, 'KMSInvalidSignatureException'],
          );
        }
        // A digest of the wrong length is refused before any signing.
        expect([SigningAlgorithm, await refusedAs(kms.send(new SignCommand({ KeyId: m.KeyId, Message: digest.subarray(1), MessageType: 'DIGEST', SigningAlgorithm })))]).toEqual([
          SigningAlgorithm,
          'ValidationException',
        ]);
      }

      // Every algorithm of another family or size: InvalidKeyUsageException, for Sign and Verify alike.
      const dummy = Buffer.alloc(72, 1);
      for (const SigningAlgorithm of ALL_ALGORITHMS.filter((a) => !algorithms.includes(a))) {
        expect([SigningAlgorithm, await refusedAs(kms.send(new SignCommand({ KeyId: m.KeyId, Message: message, SigningAlgorithm })))]).toEqual([
          SigningAlgorithm,
          'InvalidKeyUsageException',
        ]);
        expect([SigningAlgorithm, await refusedAs(kms.send(new VerifyCommand({ KeyId: m.KeyId, Message: message, Signature: dummy, SigningAlgorithm })))]).toEqual([
          SigningAlgorithm,
          'InvalidKeyUsageException',
        ]);
      }
    }),
  );

  it('RSASSA_PKCS1_V1_5 is deterministic and RSASSA_PSS randomized; ECDSA signatures are DER', async () => {
    const rsa = await create({ KeySpec: 'RSA_2048', KeyUsage: 'SIGN_VERIFY' });
    const message = Buffer.from('twice');
    const sign = async (KeyId: string, SigningAlgorithm: SigningAlgorithmSpec) => bytes((await kms.send(new SignCommand({ KeyId, Message: message, SigningAlgorithm }))).Signature);
    expect((await sign(rsa.KeyId!, 'RSASSA_PKCS1_V1_5_SHA_256')).equals(await sign(rsa.KeyId!, 'RSASSA_PKCS1_V1_5_SHA_256'))).toBe(true);
    expect((await sign(rsa.KeyId!, 'RSASSA_PSS_SHA_256')).equals(await sign(rsa.KeyId!, 'RSASSA_PSS_SHA_256'))).toBe(false);
    const ec = await create({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' });
    const der = await sign(ec.KeyId!, 'ECDSA_SHA_256');
    expect(derRs(der)).toHaveLength(2);
    const pub = createPublicKey({ key: await publicKeyOf(ec.KeyId!), format: 'der', type: 'spki' });
    expect(nodeVerify('sha256', message, { key: pub, dsaEncoding: 'der' }, der)).toBe(true);
  });

  it('keys that do not sign, and what the gateway does not offer, are refused', async () => {
    const rsaEnc = await create({ KeySpec: 'RSA_2048', KeyUsage: 'ENCRYPT_DECRYPT' });
    const aes = await create({});
    const hmac = await create({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' });
    const agreement = await create({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'KEY_AGREEMENT' });
    const ec = await create({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' });
    const msg = Buffer.from('m');
    expect({
      'RSA encryption key': await refusedAs(kms.send(new SignCommand({ KeyId: rsaEnc.KeyId, Message: msg, SigningAlgorithm: 'RSASSA_PSS_SHA_256' }))),
      'symmetric key': await refusedAs(kms.send(new SignCommand({ KeyId: aes.KeyId, Message: msg, SigningAlgorithm: 'ECDSA_SHA_256' }))),
      'HMAC key': await refusedAs(kms.send(new SignCommand({ KeyId: hmac.KeyId, Message: msg, SigningAlgorithm: 'ECDSA_SHA_256' }))),
      'key agreement key': await refusedAs(kms.send(new SignCommand({ KeyId: agreement.KeyId, Message: msg, SigningAlgorithm: 'ECDSA_SHA_256' }))),
      'ML-DSA': await refusedAs(kms.send(new SignCommand({ KeyId: ec.KeyId, Message: msg, SigningAlgorithm: 'ML_DSA_SHAKE_256' }))),
      EXTERNAL_MU: await refusedAs(kms.send(new SignCommand({ KeyId: ec.KeyId, Message: Buffer.alloc(64), MessageType: 'EXTERNAL_MU', SigningAlgorithm: 'ECDSA_SHA_256' }))),
      'message too long': await refusedAs(kms.send(new SignCommand({ KeyId: ec.KeyId, Message: Buffer.alloc(4097), SigningAlgorithm: 'ECDSA_SHA_256' }))),
      'unknown key': await refusedAs(kms.send(new SignCommand({ KeyId: '00000000-0000-4000-8000-000000000000', Message: msg, SigningAlgorithm: 'ECDSA_SHA_256' }))),
    }).toEqual({
      'RSA encryption key': 'InvalidKeyUsageException',
      'symmetric key': 'InvalidKeyUsageException',
      'HMAC key': 'InvalidKeyUsageException',
      'key agreement key': 'InvalidKeyUsageException',
      'ML-DSA': 'UnsupportedOperationException',
      EXTERNAL_MU: 'UnsupportedOperationException',
      'message too long': 'ValidationException',
      'unknown key': 'NotFoundException',
    });
  });
});

// ---- MACs ----------------------------------------------------------------------------------

const MAC_KEYS: [KeySpec, MacAlgorithmSpec, string, number][] = [
  ['HMAC_224', 'HMAC_SHA_224', 'sha224', 28],
  ['HMAC_256', 'HMAC_SHA_256', 'sha256', 32],
  ['HMAC_384', 'HMAC_SHA_384', 'sha384', 48],
  ['HMAC_512', 'HMAC_SHA_512', 'sha512', 64],
];
const MAC_ALGORITHMS = MAC_KEYS.map(([, alg]) => alg);

describe('GenerateMac and VerifyMac', () => {
  it.each(MAC_KEYS)('%s: %s only; the MAC verifies, a changed one does not', async (KeySpec, MacAlgorithm, _hash, size) => {
    const m = await create({ KeySpec, KeyUsage: 'GENERATE_VERIFY_MAC' });
    expect(m.MacAlgorithms).toEqual([MacAlgorithm]);
    const Message = Buffer.from(`authenticated with ${KeySpec}`);
    const made = await kms.send(new GenerateMacCommand({ KeyId: m.KeyId, Message, MacAlgorithm }));
    expect(made).toMatchObject({ KeyId: m.Arn, MacAlgorithm });
    expect(made.Mac).toHaveLength(size);
    // HMAC is deterministic: the same message gives the same MAC, another message another.
    expect(bytes((await kms.send(new GenerateMacCommand({ KeyId: m.Arn, Message, MacAlgorithm }))).Mac).equals(bytes(made.Mac))).toBe(true);
    expect(bytes((await kms.send(new GenerateMacCommand({ KeyId: m.KeyId, Message: Buffer.from('other'), MacAlgorithm }))).Mac).equals(bytes(made.Mac))).toBe(false);
    expect(await kms.send(new VerifyMacCommand({ KeyId: m.KeyId, Message, MacAlgorithm, Mac: made.Mac }))).toMatchObject({ KeyId: m.Arn, MacValid: true, MacAlgorithm });

    const changed = bytes(made.Mac);
    changed[0] ^= 0x80;
    expect(await refusal(kms.send(new VerifyMacCommand({ KeyId: m.KeyId, Message, MacAlgorithm, Mac: changed })))).toMatchObject({ name: 'KMSInvalidMacException', status: 400 });
    expect(await refusedAs(kms.send(new VerifyMacCommand({ KeyId: m.KeyId, Message, MacAlgorithm, Mac: bytes(made.Mac).subarray(0, size - 1) })))).toBe('KMSInvalidMacException');
    expect(await refusedAs(kms.send(new VerifyMacCommand({ KeyId: m.KeyId, Message: Buffer.from('other'), MacAlgorithm, Mac: made.Mac })))).toBe('KMSInvalidMacException');

    for (const wrong of MAC_ALGORITHMS.filter((a) => a !== MacAlgorithm)) {
      expect([wrong, await refusedAs(kms.send(new GenerateMacCommand({ KeyId: m.KeyId, Message, MacAlgorithm: wrong })))]).toEqual([wrong, 'InvalidKeyUsageException']);
      expect([wrong, await refusedAs(kms.send(new VerifyMacCommand({ KeyId: m.KeyId, Message, MacAlgorithm: wrong, Mac: made.Mac })))]).toEqual([
        wrong,
        'InvalidKeyUsageException',
      ]);
    }
  });

  it.each(MAC_KEYS.filter(([spec]) => spec !== 'HMAC_224'))(
    '%s with known material (imported through JOSE): the MAC is the local HMAC',
    async (KeySpec, MacAlgorithm, hash, size) => {
      const material = randomBytes(size);
      const res = await fetch(`${gw.url}/v1/crypto/keys`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${joseToken}` },
        body: JSON.stringify({ kty: 'oct', alg: `HS${size * 8}`, k: material.toString('base64url') }),
      });
      expect(res.status).toBe(200);
      const { kid } = (await res.json()) as { kid: string };
      expect((await kms.send(new DescribeKeyCommand({ KeyId: kid }))).KeyMetadata).toMatchObject({ KeySpec, KeyUsage: 'GENERATE_VERIFY_MAC', MacAlgorithms: [MacAlgorithm] });
      for (const Message of [Buffer.from('known answer'), randomBytes(4096)]) {
        const local = createHmac(hash, material).update(Message).digest();
        const made = await kms.send(new GenerateMacCommand({ KeyId: kid, Message, MacAlgorithm }));
        expect(bytes(made.Mac).equals(local)).toBe(true);
        expect((await kms.send(new VerifyMacCommand({ KeyId: kid, Message, MacAlgorithm, Mac: local }))).MacValid).toBe(true);
      }
    },
  );

  it('keys that do not MAC are refused', async () => {
    const aes = await create({});
    const ec = await create({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' });
    const Message = Buffer.from('m');
    expect({
      symmetric: await refusedAs(kms.send(new GenerateMacCommand({ KeyId: aes.KeyId, Message, MacAlgorithm: 'HMAC_SHA_256' }))),
      'signing key': await refusedAs(kms.send(new VerifyMacCommand({ KeyId: ec.KeyId, Message, MacAlgorithm: 'HMAC_SHA_256', Mac: Buffer.alloc(32) }))),
      'unknown algorithm': await refusedAs(kms.send(new GenerateMacCommand({ KeyId: aes.KeyId, Message, MacAlgorithm: 'HMAC_MD5' as MacAlgorithmSpec }))),
      'message too long': await refusedAs(kms.send(new GenerateMacCommand({ KeyId: aes.KeyId, Message: Buffer.alloc(4097), MacAlgorithm: 'HMAC_SHA_256' }))),
    }).toEqual({
      symmetric: 'InvalidKeyUsageException',
      'signing key': 'InvalidKeyUsageException',
      'unknown algorithm': 'ValidationException',
      'message too long': 'ValidationException',
    });
  });
});

describeRefusals(['SM2']);
