import { createHmac, pbkdf2Sync } from 'node:crypto';
import { DeviceIdentity } from '../../libs/dialect-encedo/src/auth/identity';
import { verifyEjwt } from '../../libs/dialect-encedo/src/auth/ejwt';
import { scopeAllows, getScopes, useScope } from '../../libs/dialect-encedo/src/auth/scopes';
import { userPublicKey, x25519, x25519Private } from '../../libs/dialect-encedo/src/auth/x25519';

/** The check vector of notes §2.2 (computed from the algorithm every official client runs). */
const EID = 'ff6/rpgprw6OjcPbedIB5LbsxjZqmnf43J1zeK1x82I=';
const ISS = 'pA8Bx5NNEdrwLwiYQoYNPgr7yC62kti7e1lgqFOU7Fs=';
const SPK = 'B6N8vBQgk8i3VdwbEOhstCY3StFqqFPtC9/AsrhtHHw=';
const K = 'cde20399bc903ccffb1a302a10d0aa3ebbb3a281355acd122a568516820acf5f';
const SIG = 'fgn1sq5AM10p9lpu8KzpXULrnbry8bYZkvrtaI7-C58';
const session = Buffer.from(Array.from({ length: 32 }, (_, i) => i + 1));

const b64url = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
const header = b64url({ ecdh: 'x25519', alg: 'HS256', typ: 'JWT' });
const payload = b64url({ jti: 'AAAA', aud: SPK, exp: 1700003600, iat: 1700000000, iss: ISS, scope: 'keymgmt:list' });

describe('Encedo login check vector (notes §2.2)', () => {
  it('derives the user key from the passphrase and the eid string', () => {
    const seed = pbkdf2Sync('example passphrase', EID, 600000, 32, 'sha256');
    expect(seed.toString('hex')).toMatch(/^de23fa09.*cd14a0$/);
    expect(userPublicKey('example passphrase', EID)).toBe(ISS);
  });

  it('derives spk, K and the eJWT signature', () => {
    const device = new DeviceIdentity(Buffer.alloc(32, 7), session);
    expect(device.spk).toBe(SPK);
    const seed = pbkdf2Sync('example passphrase', EID, 600000, 32, 'sha256');
    const k = x25519(x25519Private(seed), Buffer.from(SPK, 'base64'));
    expect(k.toString('hex')).toBe(K);
    expect(createHmac('sha256', k).update(`${header}.${payload}`).digest('base64url')).toBe(SIG);
  });

  it('verifies the eJWT server side over the received segments (K = X25519(session, iss))', () => {
    const device = new DeviceIdentity(Buffer.alloc(32, 7), session);
    const claims = verifyEjwt(`${header}.${payload}.${SIG}`, device.session);
    expect(claims).toMatchObject({ jti: 'AAAA', aud: SPK, iss: ISS, scope: 'keymgmt:list', exp: 1700003600 });
    // Another header key order (TESTER's alg,typ,ecdh) is a different MAC input: refused as sent.
    const tester = b64url({ alg: 'HS256', typ: 'JWT', ecdh: 'x25519' });
    expect(() => verifyEjwt(`${tester}.${payload}.${SIG}`, device.session)).toThrow(expect.objectContaining({ status: 401 }));
    expect(() => verifyEjwt(`${header}.${payload}.${SIG.replace(/^f/, 'g')}`, device.session)).toThrow(expect.objectContaining({ status: 401 }));
    expect(() => verifyEjwt('not-a-jwt', device.session)).toThrow(expect.objectContaining({ status: 400 }));
  });
});

describe('Encedo scopes (notes §2.4)', () => {
  const kid = '0123456789abcdef0123456789abcdef';
  it('matches by prefix, and use:<kid> exactly', () => {
    expect(scopeAllows('keymgmt:list', [{ prefix: 'keymgmt:list' }])).toBe(true);
    expect(scopeAllows('keymgmt:gen', [{ prefix: 'keymgmt:list' }])).toBe(false);
    expect(scopeAllows(`keymgmt:use:${kid}`, [useScope(kid)])).toBe(true);
    expect(scopeAllows(`keymgmt:use:${kid.toUpperCase()}`, [useScope(kid)])).toBe(true);
    expect(scopeAllows(`keymgmt:use:${kid}00`, [useScope(kid)])).toBe(false);
    expect(scopeAllows(`keymgmt:use:${kid}`, getScopes(kid))).toBe(true);
    expect(scopeAllows('keymgmt:gen', getScopes(kid))).toBe(true);
  });
});
