import { createCipheriv, randomBytes } from 'node:crypto';
import * as pkcs11js from 'pkcs11js';
import { CURVE_LIST, OKP_CURVES, type Curve } from '@kms/core';
import { isDeadSession } from './errors';
import { scratchSecretTemplate, sessionAesKey } from './key-families';
import { CKM_EC_EDWARDS_KEY_PAIR_GEN, readMechanisms, type TokenMechanisms } from './mechanisms';
import type { SessionPool } from './session-pool';
import { destroyObjectIgnoringErrors } from './token-objects';

const F = pkcs11js;
type Handle = pkcs11js.Handle;

/**
 * What the token can do, read once at start-up: its mechanism list through the table, then what
 * a listed mechanism really does where modules are known to differ (curves, AES-KWP padding).
 * Probes make only session objects and destroy them.
 */
export async function probeToken(p11: pkcs11js.PKCS11, slot: Handle, pool: SessionPool): Promise<TokenMechanisms> {
  const ranges = readMechanisms(p11, slot);
  return {
    ranges,
    curves: await probeCurves(p11, pool, ranges),
    kwpConformant: ranges.has('AES-KWP') && (await probeKwp(p11, pool)),
  };
}

type Ranges = TokenMechanisms['ranges'];

/** Curves a key pair can really be made on (a module may list EC mechanisms and refuse a curve). */
async function probeCurves(p11: pkcs11js.PKCS11, pool: SessionPool, ranges: Ranges): Promise<Set<Curve | 'Ed25519'>> {
  const tryPair = (mechanism: number, params: Buffer) =>
    pool.use(async (s) => {
      try {
        const pair = await p11.C_GenerateKeyPairAsync(
          s,
          { mechanism },
          [
            { type: F.CKA_TOKEN, value: false },
            { type: F.CKA_EC_PARAMS, value: params },
            { type: F.CKA_VERIFY, value: true },
          ],
          [
            { type: F.CKA_TOKEN, value: false },
            { type: F.CKA_SIGN, value: true },
          ],
        );
        destroyObjectIgnoringErrors(p11, s, pair.publicKey);
        destroyObjectIgnoringErrors(p11, s, pair.privateKey);
        return true;
      } catch (err) {
        if (isDeadSession(err)) throw err;
        return false;
      }
    });
  const out = new Set<Curve | 'Ed25519'>();
  if (ranges.has('EC-KEYGEN')) {
    for (const c of CURVE_LIST) if (await tryPair(F.CKM_EC_KEY_PAIR_GEN, c.params)) out.add(c.curve);
  }
  if (ranges.has('EDWARDS-KEYGEN') && (await tryPair(CKM_EC_EDWARDS_KEY_PAIR_GEN, OKP_CURVES.ed25519.params))) out.add('Ed25519');
  return out;
}

/** Does CKM_AES_KEY_WRAP_PAD give RFC 5649 output for a 5-byte input? (SoftHSM2 2.6 pads first.) */
async function probeKwp(p11: pkcs11js.PKCS11, pool: SessionPool): Promise<boolean> {
  const kek = randomBytes(16);
  const data = Buffer.from('probe');
  return pool.use(async (s) => {
    let k: Handle | null = null;
    let tmp: Handle | null = null;
    try {
      k = p11.C_CreateObject(s, sessionAesKey(F.CKA_WRAP, kek));
      tmp = p11.C_CreateObject(s, scratchSecretTemplate(data));
      const got = await p11.C_WrapKeyAsync(s, { mechanism: F.CKM_AES_KEY_WRAP_PAD }, k, tmp, Buffer.alloc(64));
      const c = createCipheriv('id-aes128-wrap-pad', kek, Buffer.from('a65959a6', 'hex'));
      return Buffer.concat([c.update(data), c.final()]).equals(got);
    } catch (err) {
      if (isDeadSession(err)) throw err;
      return false;
    } finally {
      if (tmp) destroyObjectIgnoringErrors(p11, s, tmp);
      if (k) destroyObjectIgnoringErrors(p11, s, k);
    }
  });
}
