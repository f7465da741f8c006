import { operationsCases } from '../core/operations.cases';
import { NOT_ON_SOFTHSM, pkcs11Refuses } from '../support/backend';
import { createSoftHsmToken, type SoftHsmToken } from '../support/softhsm';

/**
 * The canonical operation suite of test/core, run with every new key on a SoftHSM2 token
 * (KMS_DEFAULT_BACKEND=pkcs11, no fallback). What SoftHSM2 2.6 cannot hold (NOT_ON_SOFTHSM:
 * here sm4-128, chacha20-poly1305, ec-sm2, okp-x25519, ml-dsa-44) is refused as UNSUPPORTED, and
 * so are per-context and HMAC subkeys (their HKDF would need the key's value off the token).
 */

let token: SoftHsmToken;
afterAll(() => token?.cleanup());

operationsCases({
  backend: 'pkcs11',
  env: () => {
    token = createSoftHsmToken('kms-ops');
    return { ...token.env, KMS_DEFAULT_BACKEND: 'pkcs11' };
  },
  holds: (spec) => !(spec in NOT_ON_SOFTHSM),
  subkeys: 'refused',
  refuses: (spec, op) =>
    pkcs11Refuses(op) ??
    // SoftHSM2 states (and enforces) HMAC key sizes of at least the hash size.
    (spec === 'secret-256' && (op === 'HMAC-SHA-384' || op === 'HMAC-SHA-512') ? 'CKR_KEY_SIZE_RANGE: a 32-byte key is below the stated minimum' : null),
});
