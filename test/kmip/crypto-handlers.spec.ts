import {
  constants,
  createCipheriv,
  createDecipheriv,
  createHash,
  createHmac,
  generateKeyPairSync,
  publicEncrypt,
  privateDecrypt,
  randomBytes,
  sign as signLocally,
  verify,
} from 'node:crypto';
import { KmsError } from '@kms/core';
import { CRYPTO_OPERATIONS } from '../../libs/dialect-kmip/src/operations/crypto';
import { KmipFailure, type KmipCall, type KmipResult } from '../../libs/dialect-kmip/src/operations/operation';
import { children } from '../../libs/dialect-kmip/src/operations/payload';
import {
  BLOCK_CIPHER_MODE,
  CRYPTOGRAPHIC_ALGORITHM,
  DIGITAL_SIGNATURE_ALGORITHM,
  HASHING_ALGORITHM,
  PADDING_METHOD,
  VALIDITY_INDICATOR,
  boolean,
  byteString,
  enumeration,
  integer,
  structure,
  textString,
  type Item,
} from '../../libs/dialect-kmip/src/ttlv';
import { describeRefusals, noteRefusal, pkcs11Refuses, refusedOperation } from '../support/backend';
import type { Kernel, OpContext } from '../support/kernel-types';
import { backendEnv } from '../support/server';
import { tempKernel } from '../support/temp-kernel';

/**
 * The crypto operations' handlers over a real kernel (temp SQLite; SoftHSM2 with
 * KMS_TEST_BACKEND=pkcs11), fed request payloads as the message layer hands them over. Every
 * result is checked with node:crypto on keys whose material the test made and imported.
 */
describe('KMIP crypto operations (handlers over the core)', () => {
  let k: Kernel;
  let cleanup: () => Promise<void>;
  let ctx: OpContext;
  let other: OpContext;

  beforeAll(async () => {
    const t = await tempKernel(backendEnv());
    k = t.kernel;
    cleanup = t.cleanup;
    ctx = { tenantId: (await k.tenants.createTenant('kmip-crypto')).id, dialect: 'kmip', principal: 'jest' };
    other = { tenantId: (await k.tenants.createTenant('kmip-other')).id, dialect: 'kmip', principal: 'jest' };
  });
  afterAll(() => cleanup());

  const call = (placeholder: string | null = null, c = ctx): KmipCall => ({ ctx: c, version: { major: 1, minor: 4 }, ops: k.keys, placeholder });
  const run = (op: string, items: Item[], placeholder: string | null = null, c = ctx): Promise<KmipResult> =>
    CRYPTO_OPERATIONS[op](call(placeholder, c), structure('Request Payload', items));
  const uid = (id: string) => textString('Unique Identifier', id);
  const data = (b: Buffer) => byteString('Data', b);
  const params = (...items: Item[]) => structure('Cryptographic Parameters', items);
  const alg = (name: string) => enumeration('Cryptographic Algorithm', CRYPTOGRAPHIC_ALGORITHM[name]);
  const mode = (name: string) => enumeration('Block Cipher Mode', BLOCK_CIPHER_MODE[name]);
  const padding = (name: string) => enumeration('Padding Method', PADDING_METHOD[name]);
  const hashing = (name: string) => enumeration('Hashing Algorithm', HASHING_ALGORITHM[name]);
  const dsa = (name: string) => enumeration('Digital Signature Algorithm', DIGITAL_SIGNATURE_ALGORITHM[name]);
  function bytes(r: KmipResult, name: string): Buffer | undefined {
    const item = children(r.payload, name)[0];
    if (item === undefined) return undefined;
    if (item.type !== 'ByteString') throw new Error(`${name} is a ${item.type}`);
    return item.value;
  }
  function validity(r: KmipResult): string {
    const item = children(r.payload, 'Validity Indicator')[0];
    if (item?.type !== 'Enumeration') throw new Error('no Validity Indicator');
    return Object.entries(VALIDITY_INDICATOR).find(([, v]) => v === item.value)![0];
  }
  async function refusal(p: Promise<unknown>): Promise<string> {
    const err = await p.then(
      () => null,
      (e: unknown) => e,
    );
    if (err instanceof KmipFailure) return err.reason;
    if (err instanceof KmsError) return `core ${err.code}`;
    throw new Error(`expected a refusal, got ${String(err)}`);
  }

  const aesKey = randomBytes(32);
  const importAes = () => k.keys.import(ctx, { spec: 'aes-256', material: { kind: 'secret', bytes: aesKey } }).then((r) => r.id);

  describe('AES', () => {
    let id: string;
    beforeAll(async () => {
      id = await importAes();
    });

    const cbcRefused = refusedOperation('aes-256', 'AES-CBC');
    if (cbcRefused) {
      it('CBC (with or without parameters) is refused as unsupported on the pkcs11 backend', async () => {
        expect(await refusal(run('Encrypt', [uid(id), params(alg('AES'), mode('CBC'), padding('PKCS5')), data(randomBytes(17))]))).toBe('core UNSUPPORTED');
        expect(await refusal(run('Encrypt', [uid(id), data(randomBytes(16)), byteString('IV/Counter/Nonce', randomBytes(16))]))).toBe('core UNSUPPORTED');
        noteRefusal('AES-CBC', cbcRefused);
      });
    } else {
      it('CBC with PKCS5: the server makes the IV and returns it; the ciphertext opens locally and through Decrypt', async () => {
        const plaintext = Buffer.from('seventeen bytes!!');
        const r = await run('Encrypt', [uid(id), params(alg('AES'), mode('CBC'), padding('PKCS5')), data(plaintext)]);
        expect(r.uniqueIdentifier).toBe(id);
        const iv = bytes(r, 'IV/Counter/Nonce')!;
        expect(iv).toHaveLength(16);
        expect(bytes(r, 'Authenticated Encryption Tag')).toBeUndefined();
        const local = createDecipheriv('aes-256-cbc', aesKey, iv);
        expect(Buffer.concat([local.update(bytes(r, 'Data')!), local.final()])).toEqual(plaintext);
        const back = await run('Decrypt', [uid(id), params(mode('CBC'), padding('PKCS5')), data(bytes(r, 'Data')!), byteString('IV/Counter/Nonce', iv)]);
        expect(bytes(back, 'Data')).toEqual(plaintext);
      });

      it('CBC with the client IV gives the local cipher bytes; no Cryptographic Parameters means CBC/PKCS5', async () => {
        const iv = randomBytes(16);
        const plaintext = Buffer.from('0123456789abcdef');
        const r = await run('Encrypt', [uid(id), data(plaintext), byteString('IV/Counter/Nonce', iv)]);
        const c = createCipheriv('aes-256-cbc', aesKey, iv);
        expect(bytes(r, 'Data')).toEqual(Buffer.concat([c.update(plaintext), c.final()]));
        // The client's IV is not echoed: KMIP returns the IV only when the server made it.
        expect(bytes(r, 'IV/Counter/Nonce')).toBeUndefined();
        expect(bytes(await run('Decrypt', [uid(id), data(bytes(r, 'Data')!), byteString('IV/Counter/Nonce', iv)]), 'Data')).toEqual(plaintext);
      });
    }

    it('GCM: 12-byte IV made, 16-byte tag apart, additional data authenticated; a wrong tag is a cryptographic failure', async () => {
      const plaintext = randomBytes(64);
      const aad = Buffer.from('header');
      const r = await run('Encrypt', [
        uid(id),
        params(alg('AES'), mode('GCM'), integer('Tag Length', 16), boolean('Random IV', true)),
        data(plaintext),
        byteString('Authenticated Encryption Additional Data', aad),
      ]);
      const iv = bytes(r, 'IV/Counter/Nonce')!;
      const tag = bytes(r, 'Authenticated Encryption Tag')!;
      expect([iv.length, tag.length, bytes(r, 'Data')!.length]).toEqual([12, 16, 64]);
      const local = createDecipheriv('aes-256-gcm', aesKey, iv).setAAD(aad).setAuthTag(tag);
      expect(Buffer.concat([local.update(bytes(r, 'Data')!), local.final()])).toEqual(plaintext);
      const open = (t: Buffer, a = aad) =>
        run('Decrypt', [
          uid(id),
          params(mode('GCM')),
          data(bytes(r, 'Data')!),
          byteString('IV/Counter/Nonce', iv),
          byteString('Authenticated Encryption Additional Data', a),
          byteString('Authenticated Encryption Tag', t),
        ]);
      expect(bytes(await open(tag), 'Data')).toEqual(plaintext);
      const bad = Buffer.from(tag);
      bad[0] ^= 1;
      expect(await refusal(open(bad))).toBe('core CRYPTO_FAILURE');
      expect(await refusal(open(tag, Buffer.from('other')))).toBe('core CRYPTO_FAILURE');
    });

    it('GCM with the client IV matches the local cipher; IV Length 128 makes a 16-byte IV', async () => {
      const iv = randomBytes(12);
      const plaintext = Buffer.from('sixty-four bytes? no, fewer');
      const r = await run('Encrypt', [uid(id), params(mode('GCM')), data(plaintext), byteString('IV/Counter/Nonce', iv)]);
      const c = createCipheriv('aes-256-gcm', aesKey, iv);
      expect(bytes(r, 'Data')).toEqual(Buffer.concat([c.update(plaintext), c.final()]));
      expect(bytes(r, 'Authenticated Encryption Tag')).toEqual(c.getAuthTag());
      const long = await run('Encrypt', [uid(id), params(mode('GCM'), integer('IV Length', 128)), data(plaintext)]);
      expect(bytes(long, 'IV/Counter/Nonce')).toHaveLength(16);
    });

    const ecbRefused = refusedOperation('aes-256', 'AES-ECB');
    if (ecbRefused) {
      it('ECB is refused as unsupported on the pkcs11 backend', async () => {
        expect(await refusal(run('Encrypt', [uid(id), params(mode('ECB'), padding('None')), data(randomBytes(32))]))).toBe('core UNSUPPORTED');
        noteRefusal('AES-ECB', ecbRefused);
      });
    } else {
      it('ECB: whole blocks, no IV, the local cipher bytes', async () => {
        const plaintext = randomBytes(32);
        const r = await run('Encrypt', [uid(id), params(mode('ECB'), padding('None')), data(plaintext)]);
        const c = createCipheriv('aes-256-ecb', aesKey, null).setAutoPadding(false);
        expect(bytes(r, 'Data')).toEqual(Buffer.concat([c.update(plaintext), c.final()]));
        expect(bytes(r, 'IV/Counter/Nonce')).toBeUndefined();
        expect(bytes(await run('Decrypt', [uid(id), params(mode('ECB')), data(bytes(r, 'Data')!)]), 'Data')).toEqual(plaintext);
        expect(await refusal(run('Encrypt', [uid(id), params(mode('ECB')), data(randomBytes(15))]))).toBe('core INVALID_ARGUMENT');
      });
    }

    it('refuses what it would not do, as Invalid Field (the request) or Feature Not Supported (streaming)', async () => {
      const cases: Array<[Item[], string]> = [
        [[params(mode('CTR'))], 'Invalid Field'],
        [[params(mode('ECB'), padding('PKCS5'))], 'Invalid Field'],
        [[params(mode('CBC'), padding('None'))], 'Invalid Field'],
        [[params(mode('GCM'), integer('Tag Length', 8))], 'Invalid Field'],
        [[params(mode('CBC'), integer('Tag Length', 16))], 'Invalid Field'],
        [[params(mode('GCM'), integer('IV Length', 64))], 'Invalid Field'],
        [[params(alg('RSA'))], 'Invalid Field'],
        [[params(mode('GCM'), integer('Fixed Field Length', 32))], 'Invalid Field'],
        [[params(mode('GCM'), boolean('Random IV', true)), byteString('IV/Counter/Nonce', randomBytes(12))], 'Invalid Field'],
        [[params(mode('ECB')), byteString('IV/Counter/Nonce', randomBytes(16))], 'Invalid Field'],
        [[params(mode('GCM')), byteString('IV/Counter/Nonce', randomBytes(8))], 'Invalid Field'],
        [[params(mode('CBC')), byteString('Authenticated Encryption Additional Data', randomBytes(8))], 'Invalid Field'],
        [[byteString('Cryptographic Parameters', Buffer.alloc(1))], 'Invalid Field'],
        [[structure('Cryptographic Parameters', [enumeration('Block Cipher Mode', 0x99)])], 'Invalid Field'],
        [[params(mode('GCM')), boolean('Init Indicator', true)], 'Feature Not Supported'],
        [[params(mode('GCM')), byteString('Correlation Value', randomBytes(4))], 'Feature Not Supported'],
      ];
      for (const [items, reason] of cases) {
        expect([items.map((i) => i.tag), await refusal(run('Encrypt', [uid(id), data(randomBytes(32)), ...items]))]).toEqual([items.map((i) => i.tag), reason]);
      }
      expect(await refusal(run('Encrypt', [uid(id), params(mode('GCM'))]))).toBe('Invalid Field');
      const decryptCases: Item[][] = [
        [params(mode('GCM')), byteString('IV/Counter/Nonce', randomBytes(12))],
        [params(mode('GCM')), byteString('Authenticated Encryption Tag', randomBytes(16))],
      ];
      for (const items of decryptCases) expect(await refusal(run('Decrypt', [uid(id), data(randomBytes(16)), ...items]))).toBe('Invalid Field');
      // One part that is both first and last is a whole operation.
      const whole = await run('Encrypt', [uid(id), params(mode('GCM')), data(Buffer.from('x')), boolean('Init Indicator', true), boolean('Final Indicator', true)]);
      expect(bytes(whole, 'Data')).toHaveLength(1);
    });

    it('GCM needs KMIP 1.4 (Authenticated Encryption Tag); 2.0 has it too', async () => {
      const gcm = (minor: number, major = 1) =>
        CRYPTO_OPERATIONS.Encrypt({ ...call(), version: { major, minor } }, structure('Request Payload', [uid(id), params(mode('GCM')), data(Buffer.from('x'))]));
      for (const minor of [0, 1, 2, 3]) expect(await refusal(gcm(minor))).toBe('Feature Not Supported');
      expect(bytes(await gcm(0, 2), 'Authenticated Encryption Tag')).toHaveLength(16);
      const decrypt = CRYPTO_OPERATIONS.Decrypt(
        { ...call(), version: { major: 1, minor: 2 } },
        structure('Request Payload', [uid(id), params(mode('GCM')), data(Buffer.from('x')), byteString('IV/Counter/Nonce', randomBytes(12))]),
      );
      expect(await refusal(decrypt)).toBe('Feature Not Supported');
    });

    it('a key that is not Active (disabled in the core: Pre-Active, Deactivated) is the core’s wrong-state refusal', async () => {
      const off = await importAes();
      await k.keys.setEnabled(ctx, off, false);
      expect(await refusal(run('Encrypt', [uid(off), params(mode('GCM')), data(Buffer.from('x'))]))).toBe('core WRONG_KEY_STATE');
    });

    it('takes the ID Placeholder when the payload names no key, and never another tenant’s key', async () => {
      const r = await run('Encrypt', [params(mode('GCM')), data(Buffer.from('placeholder'))], id);
      expect(r.uniqueIdentifier).toBe(id);
      expect(await refusal(run('Encrypt', [params(mode('GCM')), data(Buffer.from('x'))]))).toBe('Invalid Field');
      expect(await refusal(run('Encrypt', [uid(id), params(mode('GCM')), data(Buffer.from('x'))], null, other))).toMatch(/^core (FORBIDDEN|NOT_FOUND)$/);
    });
  });

  describe('RSA', () => {
    const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const der = pair.privateKey.export({ type: 'pkcs8', format: 'der' });
    let enc: string;
    let sig: string;
    beforeAll(async () => {
      enc = (await k.keys.import(ctx, { spec: 'rsa-2048', material: { kind: 'pkcs8', der } })).id;
      sig = (await k.keys.import(ctx, { spec: 'rsa-2048', usages: ['sign', 'verify'], material: { kind: 'pkcs8', der } })).id;
    });

    it('OAEP with SHA-256, and with SHA-1 when no hash is named: opens locally; the local ciphertext opens through Decrypt', async () => {
      const plaintext = randomBytes(32);
      for (const [items, oaepHash] of [
        [[params(alg('RSA'), padding('OAEP'), hashing('SHA-256'))], 'sha256'],
        [[], 'sha1'],
      ] as Array<[Item[], string]>) {
        const r = await run('Encrypt', [uid(enc), ...items, data(plaintext)]);
        expect(privateDecrypt({ key: pair.privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash }, bytes(r, 'Data')!)).toEqual(plaintext);
        const local = publicEncrypt({ key: pair.publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash }, plaintext);
        expect(bytes(await run('Decrypt', [uid(enc), ...items, data(local)]), 'Data')).toEqual(plaintext);
      }
      const mgf = params(padding('OAEP'), hashing('SHA-256'), enumeration('Mask Generator Hashing Algorithm', HASHING_ALGORITHM['SHA-1']));
      expect(await refusal(run('Encrypt', [uid(enc), mgf, data(plaintext)]))).toBe('Invalid Field');
    });

    it('PKCS#1 v1.5: a local ciphertext opens through Decrypt, and Encrypt round-trips', async () => {
      const plaintext = randomBytes(24);
      const v15 = params(alg('RSA'), padding('PKCS1 v1.5'));
      const local = publicEncrypt({ key: pair.publicKey, padding: constants.RSA_PKCS1_PADDING }, plaintext);
      expect(bytes(await run('Decrypt', [uid(enc), v15, data(local)]), 'Data')).toEqual(plaintext);
      const r = await run('Encrypt', [uid(enc), v15, data(plaintext)]);
      expect(bytes(r, 'Data')).toHaveLength(256);
      expect(bytes(await run('Decrypt', [uid(enc), v15, data(bytes(r, 'Data')!)]), 'Data')).toEqual(plaintext);
      expect(await refusal(run('Encrypt', [uid(enc), params(padding('PSS')), data(plaintext)]))).toBe('Invalid Field');
      expect(await refusal(run('Encrypt', [uid(enc), v15, data(plaintext), byteString('IV/Counter/Nonce', randomBytes(16))]))).toBe('Invalid Field');
    });

    it('signs with PKCS#1 v1.5 (by Digital Signature Algorithm) and PSS (by Padding Method), on Data and Digested Data; verified with the public key', async () => {
      const message = Buffer.from('signed by KMIP');
      const digest = createHash('sha256').update(message).digest();
      const v15 = await run('Sign', [uid(sig), params(dsa('SHA-256 with RSA Encryption')), data(message)]);
      expect(verify('sha256', message, pair.publicKey, bytes(v15, 'Signature Data')!)).toBe(true);
      const v15digest = await run('Sign', [uid(sig), params(dsa('SHA-256 with RSA Encryption')), byteString('Digested Data', digest)]);
      expect(bytes(v15digest, 'Signature Data')).toEqual(bytes(v15, 'Signature Data'));
      const pssParams = params(alg('RSA'), padding('PSS'), hashing('SHA-256'), integer('Salt Length', 20));
      for (const input of [data(message), byteString('Digested Data', digest)]) {
        const pss = bytes(await run('Sign', [uid(sig), pssParams, input]), 'Signature Data')!;
        expect(verify('sha256', message, { key: pair.publicKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 20 }, pss)).toBe(true);
        expect(validity(await run('Signature Verify', [uid(sig), pssParams, input, byteString('Signature Data', pss)]))).toBe('Valid');
      }
      const rsassa = bytes(await run('Sign', [uid(sig), params(dsa('RSASSA-PSS'), hashing('SHA-384')), data(message)]), 'Signature Data')!;
      expect(verify('sha384', message, { key: pair.publicKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 48 }, rsassa)).toBe(true);
      // With no parameters: PKCS#1 v1.5 with SHA-256, the server's default for RSA.
      const byDefault = await run('Sign', [uid(sig), data(message)]);
      expect(bytes(byDefault, 'Signature Data')).toEqual(bytes(v15, 'Signature Data'));
      const tampered = Buffer.from(bytes(v15, 'Signature Data')!);
      tampered[10] ^= 1;
      expect(validity(await run('Signature Verify', [uid(sig), data(message), byteString('Signature Data', tampered)]))).toBe('Invalid');
      expect(validity(await run('Signature Verify', [uid(sig), data(message), byteString('Signature Data', bytes(v15, 'Signature Data')!)]))).toBe('Valid');
    });

    it('refuses contradictions and a key that cannot do the operation', async () => {
      const message = data(Buffer.from('m'));
      expect(await refusal(run('Sign', [uid(sig), params(dsa('ECDSA with SHA256')), message]))).toBe('Invalid Field');
      expect(await refusal(run('Sign', [uid(sig), params(dsa('SHA-256 with RSA Encryption'), hashing('SHA-512')), message]))).toBe('Invalid Field');
      expect(await refusal(run('Sign', [uid(sig), params(dsa('DSA with SHA256')), message]))).toBe('Invalid Field');
      expect(await refusal(run('Sign', [uid(sig), params(padding('OAEP')), message]))).toBe('Invalid Field');
      expect(await refusal(run('Sign', [uid(sig), params(hashing('MD5')), message]))).toBe('Invalid Field');
      expect(await refusal(run('Sign', [uid(sig)]))).toBe('Invalid Field');
      expect(await refusal(run('Sign', [uid(sig), message, byteString('Digested Data', randomBytes(32))]))).toBe('Invalid Field');
      expect(await refusal(run('Sign', [uid(sig), byteString('Digested Data', randomBytes(20))]))).toBe('core INVALID_ARGUMENT');
      // The encryption key's usages do not include signing: the core's refusal.
      expect(await refusal(run('Sign', [uid(enc), message]))).toBe('core FORBIDDEN');
      expect(await refusal(run('MAC', [uid(sig), message]))).toBe('Illegal Operation');
    });
  });

  describe('ECDSA', () => {
    it('signs DER signatures with the hash named, or the curve’s own; verified with the public key', async () => {
      for (const [spec, namedCurve, defaultHash] of [
        ['ec-p256', 'prime256v1', 'sha256'],
        ['ec-p384', 'secp384r1', 'sha384'],
      ]) {
        const pair = generateKeyPairSync('ec', { namedCurve });
        const id = (await k.keys.import(ctx, { spec, material: { kind: 'pkcs8', der: pair.privateKey.export({ type: 'pkcs8', format: 'der' }) } })).id;
        const message = Buffer.from(`ECDSA on ${spec}`);
        const named = bytes(await run('Sign', [uid(id), params(dsa('ECDSA with SHA256')), data(message)]), 'Signature Data')!;
        expect(named[0]).toBe(0x30);
        expect(verify('sha256', message, pair.publicKey, named)).toBe(true);
        const byDefault = bytes(await run('Sign', [uid(id), params(alg('ECDSA')), data(message)]), 'Signature Data')!;
        expect(verify(defaultHash, message, pair.publicKey, byDefault)).toBe(true);
        const digest = createHash('sha256').update(message).digest();
        const prehashed = bytes(await run('Sign', [uid(id), params(hashing('SHA-256')), byteString('Digested Data', digest)]), 'Signature Data')!;
        expect(verify('sha256', message, pair.publicKey, prehashed)).toBe(true);
        const check = (s: Buffer) => run('Signature Verify', [uid(id), params(dsa('ECDSA with SHA256')), data(message), byteString('Signature Data', s)]);
        expect(validity(await check(named))).toBe('Valid');
        expect(validity(await check(Buffer.from('not DER')))).toBe('Invalid');
        expect(await refusal(run('Encrypt', [uid(id), data(message)]))).toBe('Illegal Operation');
      }
    });

    it('verifies with a public key object alone', async () => {
      const pair = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
      const spki = pair.publicKey.export({ type: 'spki', format: 'der' });
      const pub = (await k.keys.import(ctx, { spec: 'ec-p256', material: { kind: 'public', spki } })).id;
      const message = Buffer.from('public only');
      const s = signLocally('sha256', message, pair.privateKey);
      expect(validity(await run('Signature Verify', [uid(pub), params(dsa('ECDSA with SHA256')), data(message), byteString('Signature Data', s)]))).toBe('Valid');
    });
  });

  describe('HMAC', () => {
    const macKey = randomBytes(64);
    let id: string;
    beforeAll(async () => {
      id = (await k.keys.import(ctx, { spec: 'secret-512', material: { kind: 'secret', bytes: macKey } })).id;
    });

    it('MAC with SHA-256/384/512 named by Cryptographic Algorithm or Hashing Algorithm equals a local HMAC; MAC Verify says Valid or Invalid', async () => {
      const message = Buffer.from('authenticate me');
      for (const [name, hash] of [
        ['HMAC-SHA256', 'sha256'],
        ['HMAC-SHA384', 'sha384'],
        ['HMAC-SHA512', 'sha512'],
      ]) {
        const expected = createHmac(hash, macKey).update(message).digest();
        expect(bytes(await run('MAC', [uid(id), params(alg(name)), data(message)]), 'MAC Data')).toEqual(expected);
        const byHash = params(hashing(`SHA-${hash.slice(3)}`));
        expect(bytes(await run('MAC', [uid(id), byHash, data(message)]), 'MAC Data')).toEqual(expected);
        expect(validity(await run('MAC Verify', [uid(id), params(alg(name)), data(message), byteString('MAC Data', expected)]))).toBe('Valid');
        expect(validity(await run('MAC Verify', [uid(id), params(alg(name)), data(message), byteString('MAC Data', randomBytes(expected.length))]))).toBe('Invalid');
      }
      expect(bytes(await run('MAC', [uid(id), data(message)]), 'MAC Data')).toEqual(createHmac('sha256', macKey).update(message).digest());
      expect(await refusal(run('MAC', [uid(id), params(alg('HMAC-SHA256'), hashing('SHA-512')), data(message)]))).toBe('Invalid Field');
      expect(await refusal(run('MAC', [uid(id), params(alg('AES')), data(message)]))).toBe('Invalid Field');
      expect(await refusal(run('MAC Verify', [uid(id), data(message)]))).toBe('Invalid Field');
    });

    it('an AES key does not MAC (KMIP would mean CMAC)', async () => {
      expect(await refusal(run('MAC', [uid(await importAes()), data(Buffer.from('x'))]))).toBe('Illegal Operation');
    });
  });

  describe('RNG Retrieve', () => {
    it('answers Data Length random bytes; a length out of range is the core’s refusal', async () => {
      const r = await run('RNG Retrieve', [integer('Data Length', 48)]);
      expect(bytes(r, 'Data')).toHaveLength(48);
      expect(r.uniqueIdentifier).toBeUndefined();
      expect(await refusal(run('RNG Retrieve', [integer('Data Length', 0)]))).toBe('core INVALID_ARGUMENT');
      expect(await refusal(run('RNG Retrieve', []))).toBe('Invalid Field');
    });
  });
});

describeRefusals([...(pkcs11Refuses('AES-CBC') ? ['AES-CBC'] : []), ...(pkcs11Refuses('AES-ECB') ? ['AES-ECB'] : [])]);
