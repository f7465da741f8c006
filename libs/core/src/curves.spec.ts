import { generateKeyPairSync } from 'node:crypto';
import { CURVE_LIST, EC_PUBLIC_KEY_OID, OKP_CURVES, curveByNodeName, specInfo } from './specs';
import { oidDer } from './crypto/oid';

/** The curve table against OpenSSL: what node makes on each curve carries the table's OID and sizes. */
describe('curve table', () => {
  it.each(CURVE_LIST.map((c) => [c.curve, c] as const))('%s: node makes a key whose SPKI holds id-ecPublicKey and the curve OID, points of the stated size', (_, c) => {
    const { publicKey } = generateKeyPairSync('ec', { namedCurve: c.node });
    expect(publicKey.asymmetricKeyDetails?.namedCurve).toBe(c.node);
    const spki = publicKey.export({ format: 'der', type: 'spki' });
    expect(spki.includes(Buffer.concat([oidDer(EC_PUBLIC_KEY_OID), c.params]))).toBe(true);
    // Uncompressed point: 0x04 || x || y at the end of the SPKI.
    expect(spki[spki.length - 1 - 2 * c.size]).toBe(4);
    expect(curveByNodeName(c.node)).toBe(c);
    expect(specInfo(c.spec)).toMatchObject({ family: 'ec', curve: c.curve, bits: c.bits });
  });

  it.each(Object.values(OKP_CURVES).map((o) => [o.crv, o] as const))('%s: node makes a key whose SPKI starts with the OID and ends with a key of the stated size', (_, o) => {
    const { publicKey } = generateKeyPairSync(o.node as 'ed25519', {});
    const spki = publicKey.export({ format: 'der', type: 'spki' });
    expect(spki.subarray(4, 4 + o.params.length)).toEqual(o.params);
    expect(spki.length).toBe(4 + o.params.length + 3 + o.size);
  });

  it('encodes multi-byte arcs (X.690 8.19)', () => {
    expect(oidDer('1.2.840.10045.3.1.7').toString('hex')).toBe('06082a8648ce3d030107');
    expect(oidDer('1.3.132.0.35').toString('hex')).toBe('06052b81040023');
  });
});
