import { createHash, createPrivateKey, createPublicKey, verify as nodeVerify } from 'node:crypto';
import { hmac } from '@noble/hashes/hmac.js';
import { sha3_256, sha3_384, sha3_512 } from '@noble/hashes/sha3.js';
import type { KeyOperations, OpContext } from '@kms/core';
import { ed25519Pkcs8, hex, x25519Pkcs8, x25519Spki } from '../support/pkcs8';
import { tempKernel } from '../support/temp-kernel';

/**
 * Published known-answer vectors, run through the canonical operation service on a real SQLite
 * store and the software engine: import the vector's key, compute, compare bit for bit.
 */
let keys: KeyOperations;
let ctx: OpContext;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  const t = await tempKernel();
  cleanup = t.cleanup;
  keys = t.kernel.keys;
  const tenant = await t.kernel.tenants.createTenant('kat');
  ctx = { tenantId: tenant.id, dialect: 'test' };
});
afterAll(() => cleanup());

const importSecret = (spec: string, bytes: Buffer, usages: Parameters<KeyOperations['import']>[1]['usages']) =>
  keys.import(ctx, { spec, material: { kind: 'secret', bytes }, usages });

describe('AES-GCM (NIST GCM spec, test cases 2, 4, 16)', () => {
  const cases = [
    {
      name: 'TC2 AES-128, empty AAD',
      spec: 'aes-128',
      k: '00000000000000000000000000000000',
      iv: '000000000000000000000000',
      p: '00000000000000000000000000000000',
      a: '',
      c: '0388dace60b6a392f328c2b971b2fe78',
      t: 'ab6e47d42cec13bdf53a67b21257bddf',
    },
    {
      name: 'TC4 AES-128 with AAD',
      spec: 'aes-128',
      k: 'feffe9928665731c6d6a8f9467308308',
      iv: 'cafebabefacedbaddecaf888',
      p: 'd9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39',
      a: 'feedfacedeadbeeffeedfacedeadbeefabaddad2',
      c: '42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091',
      t: '5bc94fbc3221a5db94fae95ae7121a47',
    },
    {
      name: 'TC16 AES-256 with AAD',
      spec: 'aes-256',
      k: 'feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308',
      iv: 'cafebabefacedbaddecaf888',
      p: 'd9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39',
      a: 'feedfacedeadbeeffeedfacedeadbeefabaddad2',
      c: '522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662',
      t: '76fc6ece0f4e1768cddf8853bb2d551b',
    },
  ];
  it.each(cases)('$name', async (v) => {
    const key = await importSecret(v.spec, hex(v.k), ['encrypt', 'decrypt']);
    const out = await keys.encrypt(ctx, key.id, { alg: 'AES-GCM', plaintext: hex(v.p), aad: hex(v.a), iv: hex(v.iv) });
    expect(out.ciphertext.toString('hex')).toBe(v.c);
    expect(out.tag.toString('hex')).toBe(v.t);
    const back = await keys.decrypt(ctx, key.id, { alg: 'AES-GCM', ciphertext: hex(v.c), iv: hex(v.iv), tag: hex(v.t), aad: hex(v.a) });
    expect(back.toString('hex')).toBe(v.p);
    const badTag = hex(v.t);
    badTag[0] ^= 1;
    await expect(keys.decrypt(ctx, key.id, { alg: 'AES-GCM', ciphertext: hex(v.c), iv: hex(v.iv), tag: badTag, aad: hex(v.a) })).rejects.toMatchObject({ code: 'CRYPTO_FAILURE' });
  });
});

describe('HMAC (RFC 4231 test cases 1 and 2; SHA-3 cross-checked with @noble/hashes)', () => {
  const rfc4231 = [
    { key: '0b'.repeat(20), data: Buffer.from('Hi There'), hash: 'SHA-256', mac: 'b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7' },
    {
      key: '0b'.repeat(20),
      data: Buffer.from('Hi There'),
      hash: 'SHA-384',
      mac: 'afd03944d84895626b0825f4ab46907f15f9dadbe4101ec682aa034c7cebc59cfaea9ea9076ede7f4af152e8b2fa9cb6',
    },
    {
      key: '0b'.repeat(20),
      data: Buffer.from('Hi There'),
      hash: 'SHA-512',
      mac: '87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cdedaa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854',
    },
    {
      key: Buffer.from('Jefe').toString('hex'),
      data: Buffer.from('what do ya want for nothing?'),
      hash: 'SHA-256',
      mac: '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
    },
  ] as const;
  it.each(rfc4231)('$hash over "$data"', async (v) => {
    const key = await importSecret(`secret-${(v.key.length / 2) * 8}`, hex(v.key), ['mac']);
    expect((await keys.mac(ctx, key.id, v.hash, v.data)).toString('hex')).toBe(v.mac);
    expect(await keys.macVerify(ctx, key.id, v.hash, v.data, hex(v.mac))).toBe(true);
    const wrong = hex(v.mac);
    wrong[wrong.length - 1] ^= 0x80;
    expect(await keys.macVerify(ctx, key.id, v.hash, v.data, wrong)).toBe(false);
    expect(await keys.macVerify(ctx, key.id, v.hash, v.data, wrong.subarray(1))).toBe(false);
  });
  it.each([
    ['SHA3-256', sha3_256],
    ['SHA3-384', sha3_384],
    ['SHA3-512', sha3_512],
  ] as const)('%s agrees with an independent implementation', async (hash, fn) => {
    const k = Buffer.from('an HMAC key of thirty-two bytes!');
    const key = await importSecret('secret-256', k, ['mac']);
    const data = Buffer.from('The quick brown fox jumps over the lazy dog');
    expect((await keys.mac(ctx, key.id, hash, data)).toString('hex')).toBe(Buffer.from(hmac(fn, k, data)).toString('hex'));
  });
});

describe('Ed25519 (RFC 8032 §7.1 tests 1 and 2)', () => {
  const cases = [
    {
      sk: '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60',
      pk: 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a',
      msg: '',
      sig: 'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
    },
    {
      sk: '4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb',
      pk: '3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c',
      msg: '72',
      sig: '92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00',
    },
  ];
  it.each(cases)('signature over "$msg"', async (v) => {
    const key = await keys.import(ctx, { spec: 'okp-ed25519', material: { kind: 'pkcs8', der: ed25519Pkcs8(hex(v.sk)) } });
    expect(key.publicKey!.subarray(-32).toString('hex')).toBe(v.pk);
    const sig = await keys.sign(ctx, key.id, { scheme: 'EdDSA' }, hex(v.msg));
    expect(sig.toString('hex')).toBe(v.sig);
    expect(await keys.verify(ctx, key.id, { scheme: 'EdDSA' }, hex(v.msg), sig)).toBe(true);
    sig[10] ^= 1;
    expect(await keys.verify(ctx, key.id, { scheme: 'EdDSA' }, hex(v.msg), sig)).toBe(false);
  });
});

describe('X25519 (RFC 7748 §6.1)', () => {
  it('derives the shared secret from both sides', async () => {
    const alice = { sk: '77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a', pk: '8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a' };
    const bob = { sk: '5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb', pk: 'de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f' };
    const shared = '4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742';
    const a = await keys.import(ctx, { spec: 'okp-x25519', material: { kind: 'pkcs8', der: x25519Pkcs8(hex(alice.sk)) } });
    const b = await keys.import(ctx, { spec: 'okp-x25519', material: { kind: 'pkcs8', der: x25519Pkcs8(hex(bob.sk)) } });
    expect(a.publicKey!.subarray(-32).toString('hex')).toBe(alice.pk);
    expect((await keys.deriveEcdh(ctx, a.id, { spki: x25519Spki(hex(bob.pk)) })).toString('hex')).toBe(shared);
    expect((await keys.deriveEcdh(ctx, b.id, { keyId: a.id })).toString('hex')).toBe(shared);
  });
});

describe('AES key wrap (RFC 3394 §4.1, §4.6; RFC 5649 §6)', () => {
  const cases = [
    {
      name: 'RFC 3394 4.1, 128-bit KEK',
      alg: 'AES-KW',
      kek: '000102030405060708090a0b0c0d0e0f',
      data: '00112233445566778899aabbccddeeff',
      out: '1fa68b0a8112b447aef34bd8fb5a7b829d3e862371d2cfe5',
    },
    {
      name: 'RFC 3394 4.6, 256-bit KEK, 256-bit data',
      alg: 'AES-KW',
      kek: '000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f',
      data: '00112233445566778899aabbccddeeff000102030405060708090a0b0c0d0e0f',
      out: '28c9f404c4b810f4cbccb35cfb87f8263f5786e2d80ed326cbc7f0e71a99f43bfb988b9b7a02dd21',
    },
    {
      name: 'RFC 5649 §6, 20 octets',
      alg: 'AES-KWP',
      kek: '5840df6e29b02af1ab493b705bf16ea1ae8338f4dcc176a8',
      data: 'c37b7e6492584340bed12207808941155068f738',
      out: '138bdeaa9b8fa7fc61f97742e72248ee5ae6ae5360d1ae6a5f54f373fa543b6a',
    },
    { name: 'RFC 5649 §6, 7 octets', alg: 'AES-KWP', kek: '5840df6e29b02af1ab493b705bf16ea1ae8338f4dcc176a8', data: '466f7250617369', out: 'afbeb0f07dfbf5419200f2ccb50bb24f' },
  ] as const;
  it.each(cases)('$name', async (v) => {
    const kek = await importSecret(`aes-${v.kek.length * 4}`, hex(v.kek), ['wrap', 'unwrap']);
    expect((await keys.wrap(ctx, kek.id, v.alg, hex(v.data))).toString('hex')).toBe(v.out);
    expect((await keys.unwrap(ctx, kek.id, v.alg, hex(v.out))).toString('hex')).toBe(v.data);
    const bad = hex(v.out);
    bad[3] ^= 1;
    await expect(keys.unwrap(ctx, kek.id, v.alg, bad)).rejects.toMatchObject({ code: 'CRYPTO_FAILURE' });
  });
});

describe('SM2 with SM3 and the default ID (GB/T 32918.2 / GM/T 0003 sample key)', () => {
  it('signs so that an independent check of e = SM3(Z || M) verifies, and rejects tampering', async () => {
    const d = hex('3945208F7B2144B13F36E38AC6D39F95889393692860B51A42FB81EF4DF7C5B8');
    const key = await keys.import(ctx, { spec: 'ec-sm2', material: { kind: 'raw-private', bytes: d } });
    // The sample's public key for this d (GB/T 32918.5 annex).
    expect(key.publicKey!.subarray(-64).toString('hex').toUpperCase()).toBe(
      '09F9DF311E5421A150DD7D161E4BC5C672179FAD1833FC076BB08FF356F35020CCEA490CE26775A52DC6EA718CC1AA600AED05FBF35E084A6632F6072DA9AD13',
    );
    const msg = Buffer.from('message digest');
    const sig = await keys.sign(ctx, key.id, { scheme: 'SM2', hash: 'SM3' }, msg);
    expect(await keys.verify(ctx, key.id, { scheme: 'SM2', hash: 'SM3' }, msg, sig)).toBe(true);
    expect(await keys.verify(ctx, key.id, { scheme: 'SM2', hash: 'SM3' }, Buffer.from('message digesT'), sig)).toBe(false);
  });
});

describe('RSA over a published key (RFC 7515 A.2 RS256)', () => {
  it('produces the RFC signature bit for bit', async () => {
    const jwk = {
      kty: 'RSA',
      n: 'ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddxHmfHQp-Vaw-4qPCJrcS2mJPMEzP1Pt0Bm4d4QlL-yRT-SFd2lZS-pCgNMsD1W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpaSHSXndS5z5rexMdbBYUsLA9e-KXBdQOS-UTo7WTBEMa2R2CapHg665xsmtdVMTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aGhyxXFvUK-DWNmoudF8NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXpoQ',
      e: 'AQAB',
      d: 'Eq5xpGnNCivDflJsRQBXHx1hdR1k6Ulwe2JZD50LpXyWPEAeP88vLNO97IjlA7_GQ5sLKMgvfTeXZx9SE-7YwVol2NXOoAJe46sui395IW_GO-pWJ1O0BkTGoVEn2bKVRUCgu-GjBVaYLU6f3l9kJfFNS3E0QbVdxzubSu3Mkqzjkn439X0M_V51gfpRLI9JYanrC4D4qAdGcopV_0ZHHzQlBjudU2QvXt4ehNYTCBr6XCLQUShb1juUO1ZdiYoFaFQT5Tw8bGUl_x_jTj3ccPDVZFD9pIuhLhBOneufuBiB4cS98l2SR_RQyGWSeWjnczT0QU91p1DhOVRuOopznQ',
      p: '4BzEEOtIpmVdVEZNCqS7baC4crd0pqnRH_5IB3jw3bcxGn6QLvnEtfdUdiYrqBdss1l58BQ3KhooKeQTa9AB0Hw_Py5PJdTJNPY8cQn7ouZ2KKDcmnPGBY5t7yLc1QlQ5xHdwW1VhvKn-nXqhJTBgIPgtldC-KDV5z-y2XDwGUc',
      q: 'uQPEfgmVtjL0Uyyx88GZFF1fOunH3-7cepKmtH4pxhtCoHqpWmT8YAmZxaewHgHAjLYsp1ZSe7zFYHj7C6ul7TjeLQeZD_YwD66t62wDmpe_HlB-TnBA-njbglfIsRLtXlnDzQkv5dTltRJ11BKBBypeeF6689rjcJIDEz9RWdc',
      dp: 'BwKfV3Akq5_MFZDFZCnW-wzl-CCo83WoZvnLQwCTeDv8uzluRSnm71I3QCLdhrqE2e9YkxvuxdBfpT_PI7Yz-FOKnu1R6HsJeDCjn12Sk3vmAktV2zb34MCdy7cpdTh_YVr7tss2u6vneTwrA86rZtu5Mbr1C1XsmvkxHQAdYo0',
      dq: 'h_96-mK1R_7glhsum81dZxjTnYynPbZpHziZjeeHcXYsXaaMwkOlODsWa7I9xXDoRwbKgB719rrmI2oKr6N3Do9U0ajaHF-NKJnwgjMd2w9cjz3_-kyNlxAr2v4IKhGNpmM5iIgOS1VZnOZ68m6_pbLBSp3nssTdlqvd0tIiTHU',
      qi: 'IYd7DHOhrWvxkwPQsRM2tOgrjbcrfvtQJipd-DlcxyVuuM9sQLdgjVk2oy26F0EmpScGLq2MowX7fhd_QJQ3ydy5cY7YIBi87w93IKLEdfnbJtoOPLUW0ITrJReOgo1cq9SbsxYawBgfp_gh6A5603k2-ZQwVK0JKSHuLFkuQ3U',
    };
    const der = createPrivateKey({ key: jwk, format: 'jwk' }).export({ format: 'der', type: 'pkcs8' });
    const key = await keys.import(ctx, { spec: 'rsa-2048', material: { kind: 'pkcs8', der }, usages: ['sign', 'verify'] });
    const signingInput = Buffer.from('eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ');
    const sig = await keys.sign(ctx, key.id, { scheme: 'RSA-PKCS1', hash: 'SHA-256' }, signingInput);
    expect(sig.toString('base64url')).toBe(
      'cC4hiUPoj9Eetdgtv3hF80EGrhuB__dzERat0XF9g2VtQgr9PJbu3XOiZj5RZmh7AAuHIm4Bh-0Qc_lF5YKt_O8W2Fp5jujGbds9uJdbF9CUAr7t1dnZcAcQjbKBYNX4BAynRFdiuB--f_nZLgrnbyTyWzO75vRK5h6xBArLIARNPvkSjtQBMHlb1L07Qe7K0GarZRmB_eSN9383LcOLn6_dO--xi12jzDwusC-eOkHWEsqtFZESc6BfI7noOPqvhJ1phCnvWh6IeYI2w9QOYEUipUTI8np6LbgGY9Fs98rqVt5AXLIhWkWywlVmtVrBp0igcN_IoypGlUPQGe77Rw',
    );
    // The same, signed over the digest the client computed.
    const digest = createHash('sha256').update(signingInput).digest();
    expect((await keys.sign(ctx, key.id, { scheme: 'RSA-PKCS1', hash: 'SHA-256', prehashed: true }, digest)).equals(sig)).toBe(true);
    expect(nodeVerify('sha256', signingInput, createPublicKey({ key: key.publicKey!, format: 'der', type: 'spki' }), sig)).toBe(true);
  });
});
