import { createPublicKey, diffieHellman, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { unsupported } from '../errors';

/** A fresh key pair of the same kind as `peer` (its curve, or X25519/X448). */
function ephemeralPairLike(peer: KeyObject): { privateKey: KeyObject; publicKey: KeyObject } {
  switch (peer.asymmetricKeyType) {
    case 'ec':
      return generateKeyPairSync('ec', { namedCurve: peer.asymmetricKeyDetails!.namedCurve! });
    case 'x25519':
      return generateKeyPairSync('x25519');
    case 'x448':
      return generateKeyPairSync('x448');
    default:
      throw unsupported(`${peer.asymmetricKeyType ?? 'this'} keys cannot agree keys`);
  }
}

/**
 * The sender's half of an ephemeral-static agreement: a one-time pair on the recipient's curve and
 * the shared secret Z with the recipient's public key (SPKI). The ephemeral private key is
 * dropped here; the caller publishes `ephemeralSpki` and must wipe `z` after use.
 */
export function ephemeralAgreement(recipientSpki: Buffer): { z: Buffer; ephemeralSpki: Buffer } {
  const recipient = createPublicKey({ key: recipientSpki, format: 'der', type: 'spki' });
  const pair = ephemeralPairLike(recipient);
  const z = diffieHellman({ privateKey: pair.privateKey, publicKey: recipient });
  return { z, ephemeralSpki: pair.publicKey.export({ format: 'der', type: 'spki' }) };
}
