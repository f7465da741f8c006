import { capabilitiesOf, familyMechanisms, listedSpecInfos, specNames } from './capabilities';
import { specInfo } from './specs';

describe('capability matrix from the tables', () => {
  it.each(listedSpecInfos().map((s) => [s.spec, s] as const))('%s: its family has a mechanism for each of its usages', (_, s) => {
    const mechanisms = familyMechanisms(s.family);
    expect(mechanisms.length).toBeGreaterThan(0);
    // HMAC keys MAC with themselves, AES and ChaCha20 keys with their HMAC subkey.
    if (s.usages.includes('mac')) expect(mechanisms).toContain(s.family === 'secret' ? 'HMAC-SHA-256' : 'HMAC-SUBKEY-SHA-256');
    if (s.usages.includes('wrap') && s.symmetric) expect(mechanisms).toEqual(expect.arrayContaining(['AES-KW', 'AES-KWP']));
    if (s.usages.includes('derive')) expect(mechanisms.some((m) => (s.symmetric ? ['PBKDF2', 'HMAC-KDF'] : ['ECDH', 'X25519', 'X448']).includes(m))).toBe(true);
  });

  it('lists sized families once, by wildcard, and fixed specs by name', () => {
    expect(specNames(['rsa-2048', 'rsa-4096', 'secret-256', 'aes-128', 'ec-p256'].map((s) => specInfo(s)))).toEqual(['rsa-*', 'secret-*', 'aes-128', 'ec-p256']);
  });

  it('names each mechanism once', () => {
    const { mechanisms } = capabilitiesOf(listedSpecInfos());
    expect(new Set(mechanisms).size).toBe(mechanisms.length);
    expect(mechanisms).toEqual(
      expect.arrayContaining([
        'AES-GCM',
        'AES-CBC',
        'AES-ECB',
        'SM4-CBC',
        'RSA-OAEP',
        'SM2',
        'EdDSA',
        'ML-DSA',
        'ML-KEM',
        'X448',
        'HMAC-SM3',
        'CHACHA20-POLY1305',
        'HMAC-SUBKEY-SHA-256',
      ]),
    );
  });
});
