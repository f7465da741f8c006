import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import { stringify } from 'yaml';
import { SeedError } from './seed-error';
import { readSeedFile } from './seed-file';

const APIKEY = 'abcdefghijkmnpqrstuvwxyzABCDEFGH';
const AWS_SECRET = randomBytes(30).toString('base64');
const JOSE = `kgw_${randomBytes(32).toString('base64url')}`;
const VAULT = `hvs.${randomBytes(32).toString('base64url')}`;
const AES = randomBytes(32).toString('base64');
const { privateKey: ecPriv } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const { privateKey: rsaPriv } = generateKeyPairSync('rsa', { modulusLength: 2048 });

const good = () => ({
  tenants: [
    {
      name: 'ci',
      credentials: [
        { kind: 'ehsm', appid: '7d1c7d3a-3a1e-4a43-8f6c-0b8e1b1f2f00', apikey: APIKEY },
        { kind: 'jose', token: JOSE },
        { kind: 'aws', accessKeyId: 'AKIAABCDEFGHIJKLMN23', secretAccessKey: AWS_SECRET },
        { kind: 'vault', token: VAULT, label: 'ci' },
        { kind: 'encedo', passphrase: 'correct horse battery' },
        { kind: 'cert', fingerprint: 'AA:'.repeat(31) + 'AA' },
      ],
      keys: [
        { id: '11111111-1111-4111-8111-111111111111', spec: 'aes-256', aliases: ['ci-aes'], material: { raw: AES } },
        { id: '22222222-2222-4222-8222-222222222222', spec: 'ec-p256', usages: ['sign', 'verify'], material: { jwk: ecPriv.export({ format: 'jwk' }) } },
        { id: '33333333-3333-4333-8333-333333333333', spec: 'rsa-2048', material: { pem: rsaPriv.export({ type: 'pkcs8', format: 'pem' }) } },
        { id: '44444444-4444-4444-8444-444444444444', spec: 'secret-256', backend: 'soft' },
      ],
    },
  ],
});

/** The problems a file is refused with, as `path: message` lines. */
function problemsOf(doc: unknown): string[] {
  try {
    readSeedFile('seed.yaml', typeof doc === 'string' ? doc : stringify(doc));
  } catch (err) {
    expect(err).toBeInstanceOf(SeedError);
    return (err as SeedError).problems.map((p) => `${p.path}: ${p.message}`);
  }
  throw new Error('the file was accepted');
}

describe('seed file reader', () => {
  it('reads every credential kind and every material form', () => {
    const seed = readSeedFile('seed.yaml', stringify(good()));
    const [t] = seed.tenants;
    expect(t.credentials.map((c) => c.kind)).toEqual(['ehsm', 'jose', 'aws', 'vault', 'encedo', 'cert']);
    expect(t.keys.map((k) => k.material?.reveal().kind ?? null)).toEqual(['secret', 'pkcs8', 'pkcs8', null]);
    expect(t.keys[0].material!.reveal()).toEqual({ kind: 'secret', bytes: Buffer.from(AES, 'base64') });
    expect(t.keys[0].aliases).toEqual([{ name: 'ci-aes', path: 'tenants[0].keys[0].aliases[0]' }]);
    expect(t.keys[3].backend).toBe('soft');
  });

  it('never shows a secret when the declaration is printed or serialised', () => {
    const seed = readSeedFile('seed.yaml', stringify(good()));
    const shown = `${inspect(seed, { depth: null })}${JSON.stringify(seed)}`;
    for (const secret of [APIKEY, AWS_SECRET, JOSE, VAULT, AES, 'correct horse battery']) expect(shown).not.toContain(secret);
    expect(shown).toContain('[hidden]');
  });

  it.each([
    ['an apikey of the wrong length', (d: any) => (d.tenants[0].credentials[0].apikey = 'short'), 'tenants[0].credentials[0].apikey: must be 32 characters'],
    ['an AWS key id without AKIA', (d: any) => (d.tenants[0].credentials[2].accessKeyId = 'ASIAABCDEFGHIJKLMN23'), 'tenants[0].credentials[2].accessKeyId: must be `AKIA`'],
    ['an AWS secret of 39 characters', (d: any) => (d.tenants[0].credentials[2].secretAccessKey = AWS_SECRET.slice(1)), 'tenants[0].credentials[2].secretAccessKey: must be 40'],
    ['a Vault token without hvs.', (d: any) => (d.tenants[0].credentials[3].token = JOSE), 'tenants[0].credentials[3].token: must be `hvs.`'],
    ['a JOSE token without kgw_', (d: any) => (d.tenants[0].credentials[1].token = VAULT), 'tenants[0].credentials[1].token: must be `kgw_`'],
    ['an unknown kind', (d: any) => (d.tenants[0].credentials[1].kind = 'kerberos'), 'tenants[0].credentials[1].kind: must be one of'],
    ['an unknown field', (d: any) => (d.tenants[0].credentials[0].secret = 'x'), 'tenants[0].credentials[0].secret: is not a known field'],
    ['an encedo user with both forms', (d: any) => (d.tenants[0].credentials[4].publicKey = randomBytes(32).toString('base64')), 'tenants[0].credentials[4]: give one of'],
    ['a key id that is no UUID', (d: any) => (d.tenants[0].keys[0].id = 'key-1'), 'tenants[0].keys[0].id: must be a lower-case UUID'],
    ['an unknown spec', (d: any) => (d.tenants[0].keys[0].spec = 'aes-512'), 'tenants[0].keys[0].spec: must be a key spec'],
    [
      'AES material of 31 bytes',
      (d: any) => (d.tenants[0].keys[0].material.raw = randomBytes(31).toString('base64')),
      'tenants[0].keys[0].material.raw: a aes-256 key is 32 bytes, not 31',
    ],
    ['an EC key on another curve', (d: any) => (d.tenants[0].keys[1].spec = 'ec-p384'), 'tenants[0].keys[1].material.jwk: is on curve prime256v1'],
    ['an RSA key of another size', (d: any) => (d.tenants[0].keys[2].spec = 'rsa-3072'), 'tenants[0].keys[2].material.pem: is a 2048-bit RSA key, not rsa-3072'],
    [
      'PEM that is not a key',
      (d: any) => (d.tenants[0].keys[2].material.pem = '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n'),
      'tenants[0].keys[2].material.pem: cannot be read as a key',
    ],
    ['two material forms', (d: any) => (d.tenants[0].keys[0].material.pem = 'x'), 'tenants[0].keys[0].material: must have exactly one of raw, pem, jwk'],
    ['usages the spec has not', (d: any) => (d.tenants[0].keys[1].usages = ['encrypt']), 'tenants[0].keys[1].usages: a ec-p256 private key cannot be used to encrypt'],
    [
      'an alias of a key id form',
      (d: any) => (d.tenants[0].keys[0].aliases = ['22222222-2222-4222-8222-222222222222']),
      'tenants[0].keys[0].aliases[0]: an alias may not have the form',
    ],
    [
      'a key id declared twice',
      (d: any) => (d.tenants[0].keys[3].id = d.tenants[0].keys[0].id),
      'tenants[0].keys[3].id: declares the key id already declared at tenants[0].keys[0].id',
    ],
    [
      'a credential declared twice',
      (d: any) => d.tenants[0].credentials.push({ kind: 'jose', token: JOSE }),
      'tenants[0].credentials[6]: declares the credential already declared at tenants[0].credentials[1]',
    ],
    ['a tenant declared twice', (d: any) => d.tenants.push({ name: 'ci' }), 'tenants[1].name: declares the tenant already declared at tenants[0].name'],
    ['a bad tenant name', (d: any) => (d.tenants[0].name = 'a b'), 'tenants[0].name: must be 1-128 characters'],
  ])('refuses %s, naming its path and never the value', (_what, spoil, expected) => {
    const doc = good();
    spoil(doc);
    const problems = problemsOf(doc);
    expect(problems.join('\n')).toContain(expected);
    for (const secret of [APIKEY, AWS_SECRET, JOSE, VAULT, AES, 'correct horse battery']) expect(problems.join('\n')).not.toContain(secret);
  });

  it('gathers every problem of the file at once', () => {
    const doc: any = good();
    doc.tenants[0].credentials[0].apikey = 'short';
    doc.tenants[0].keys[0].id = 'nope';
    expect(problemsOf(doc)).toHaveLength(2);
  });

  it('refuses YAML it cannot read without quoting the line', () => {
    const problems = problemsOf(`tenants:\n  - name: ci\n    credentials: [{ kind: jose, token: ${JOSE}\n`);
    expect(problems[0]).toMatch(/^: not valid YAML/);
    expect(problems[0]).not.toContain(JOSE);
  });

  it('refuses a document that is not a mapping, and unknown top-level fields', () => {
    expect(problemsOf('- a\n- b\n')).toEqual([': must hold a mapping with a `tenants` list']);
    expect(problemsOf({ tenants: [], keys: [] })).toEqual(['.keys: is not a known field']);
  });
});
