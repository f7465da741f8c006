import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runGatewayExpectingExit, startGateway, tempDir, type Gateway } from '../support/server';
import { handshakeFailure, httpsCall, type HttpsReply } from './https-client';
import { TestPki, type Ca, type Issued } from './pki';
import { eventually } from '../support/eventually';

/**
 * The gateway's own TLS through the built server: the settings' start-up checks, the protocol
 * versions and ciphers it accepts, and the certificate reload on SIGHUP (one process and
 * several workers).
 */
const pki = new TestPki();
let ca: Ca;
let first: Issued;
let second: Issued;

beforeAll(() => {
  ca = pki.ca('server-ca');
  first = pki.issue(ca, 'server-1', 'server');
  second = pki.issue(ca, 'server-2', 'server');
});

/** Cert and key files of the gateway's own, which a test may overwrite before a SIGHUP. */
function liveFiles(from: Issued): { cert: string; key: string } {
  const dir = tempDir('kms-tls-live-');
  const files = { cert: join(dir, 'server.pem'), key: join(dir, 'server.key') };
  copyFileSync(from.cert, files.cert);
  copyFileSync(from.key, files.key);
  return files;
}

const live = (gw: Gateway, extra = {}) => httpsCall(gw.url, { ca: ca.cert, ...extra }, { path: '/health/live' });

describe('start-up checks of the TLS settings', () => {
  const dataDir = tempDir();
  const refused = async (env: Record<string, string>) => runGatewayExpectingExit({ KMS_DATA_DIR: dataDir, ...env });

  it('refuses a missing file, naming the setting', async () => {
    const cert = await refused({ KMS_TLS_CERT: join(pki.dir, 'nope.pem'), KMS_TLS_KEY: first.key });
    expect(cert.code).toBe(2);
    expect(cert.output).toMatch(/KMS_TLS_CERT \(tls\.cert\): cannot read .*nope\.pem \(ENOENT\)/);
    const key = await refused({ KMS_TLS_CERT: first.cert, KMS_TLS_KEY: join(pki.dir, 'nope.key') });
    expect(key.code).toBe(2);
    expect(key.output).toContain('KMS_TLS_KEY (tls.key): cannot read');
    const clientCa = await refused({ KMS_TLS_CERT: first.cert, KMS_TLS_KEY: first.key, KMS_TLS_CLIENT_CA: join(pki.dir, 'nope-ca.pem') });
    expect(clientCa.code).toBe(2);
    expect(clientCa.output).toContain('KMS_TLS_CLIENT_CA (tls.clientCa): cannot read');
  });

  it('refuses files that are not PEM', async () => {
    const der = join(pki.dir, 'server-1.der');
    writeFileSync(der, Buffer.from(readFileSync(first.cert, 'latin1').replace(/-----[^-]+-----|\s/g, ''), 'base64'));
    const cert = await refused({ KMS_TLS_CERT: der, KMS_TLS_KEY: first.key });
    expect(cert.code).toBe(2);
    expect(cert.output).toContain('KMS_TLS_CERT (tls.cert): ');
    expect(cert.output).toContain('holds no PEM certificate');

    const garbled = join(pki.dir, 'garbled.pem');
    writeFileSync(garbled, '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n');
    const bad = await refused({ KMS_TLS_CERT: garbled, KMS_TLS_KEY: first.key });
    expect(bad.code).toBe(2);
    expect(bad.output).toContain('KMS_TLS_CERT (tls.cert): certificate 1 of');

    // The certificate where the key should be: not a private key.
    const key = await refused({ KMS_TLS_CERT: first.cert, KMS_TLS_KEY: first.cert });
    expect(key.code).toBe(2);
    expect(key.output).toContain('KMS_TLS_KEY (tls.key): ');
    expect(key.output).toContain('is not an unencrypted PEM private key');

    const clientCa = await refused({ KMS_TLS_CERT: first.cert, KMS_TLS_KEY: first.key, KMS_TLS_CLIENT_CA: first.key });
    expect(clientCa.code).toBe(2);
    expect(clientCa.output).toContain('KMS_TLS_CLIENT_CA (tls.clientCa): ');
    expect(clientCa.output).toContain('holds no PEM certificate');
  });

  it('refuses a key that is not the certificate’s, without printing the key', async () => {
    const r = await refused({ KMS_TLS_CERT: first.cert, KMS_TLS_KEY: second.key });
    expect(r.code).toBe(2);
    expect(r.output).toContain(`KMS_TLS_KEY (tls.key): ${second.key} is not the private key of the certificate in ${first.cert}`);
    const keyBody = readFileSync(second.key, 'latin1').replace(/-----[^-]+-----|\s/g, '');
    expect(r.output).not.toContain(keyBody.slice(20, 60));
  });

  it('refuses settings that only make sense together', async () => {
    const noKey = await refused({ KMS_TLS_CERT: first.cert });
    expect(noKey.code).toBe(2);
    expect(noKey.output).toContain('KMS_TLS_KEY (tls.key): must be set with KMS_TLS_CERT');
    const noCa = await refused({ KMS_TLS_CERT: first.cert, KMS_TLS_KEY: first.key, KMS_TLS_CLIENT_AUTH: 'require' });
    expect(noCa.code).toBe(2);
    expect(noCa.output).toContain("KMS_TLS_CLIENT_AUTH (tls.clientAuth): 'require' needs KMS_TLS_CLIENT_CA");
    const badMode = await refused({ KMS_TLS_CERT: first.cert, KMS_TLS_KEY: first.key, KMS_TLS_CLIENT_CA: ca.cert, KMS_TLS_CLIENT_AUTH: 'maybe' });
    expect(badMode.code).toBe(2);
    expect(badMode.output).toContain('KMS_TLS_CLIENT_AUTH: must be one of off, optional, require');
    const caWithoutTls = await refused({ KMS_TLS_CLIENT_CA: ca.cert });
    expect(caWithoutTls.code).toBe(2);
    expect(caWithoutTls.output).toContain('KMS_TLS_CLIENT_CA (tls.clientCa): client certificates need TLS');
  });

  it('reads the files from the YAML keys as well', async () => {
    const yaml = join(dataDir, 'kms.yaml');
    writeFileSync(yaml, `tls:\n  cert: ${first.cert}\n  key: ${join(pki.dir, 'missing.key')}\n`);
    const r = await refused({ KMS_CONFIG: yaml });
    expect(r.code).toBe(2);
    expect(r.output).toContain('KMS_TLS_KEY (tls.key): cannot read');

    writeFileSync(yaml, `tls:\n  cert: ${first.cert}\n  key: ${first.key}\n`);
    const gw = await startGateway({ KMS_CONFIG: yaml }, dataDir);
    try {
      expect(gw.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      expect((await live(gw)).status).toBe(200);
    } finally {
      await gw.stop();
    }
  });
});

describe('protocol versions and ciphers', () => {
  let gw: Gateway;
  beforeAll(async () => {
    gw = await startGateway({ KMS_TLS_CERT: first.cert, KMS_TLS_KEY: first.key });
  });
  afterAll(async () => {
    await gw.stop();
    gw.cleanup();
  });

  it('serves HTTP/1.1 over TLS 1.3 and TLS 1.2', async () => {
    const v13 = await live(gw, { minVersion: 'TLSv1.3' });
    expect(v13).toMatchObject({ status: 200, json: { status: 'ok' }, protocol: 'TLSv1.3', alpn: 'http/1.1', serverFingerprint: first.fingerprint });
    const v12 = await live(gw, { maxVersion: 'TLSv1.2' });
    expect(v12).toMatchObject({ status: 200, protocol: 'TLSv1.2', alpn: 'http/1.1' });
  });

  it('refuses TLS 1.1 and 1.0 with a protocol-version alert', async () => {
    // The client's OpenSSL offers TLS 1.1 and 1.0 only at security level 0: the refusal is the server's.
    for (const v of ['TLSv1.1', 'TLSv1'] as const) {
      const err = await handshakeFailure(live(gw, { minVersion: v, maxVersion: v, ciphers: 'DEFAULT@SECLEVEL=0' }));
      expect([v, err.message]).toEqual([v, expect.stringContaining('alert protocol version')]);
    }
  });

  it('refuses TLS 1.2 suites without forward secrecy or AEAD', async () => {
    for (const suite of ['ECDHE-ECDSA-AES128-SHA', 'ECDHE-ECDSA-AES256-SHA384', 'AES128-GCM-SHA256']) {
      const err = await handshakeFailure(live(gw, { maxVersion: 'TLSv1.2', ciphers: suite }));
      expect([suite, err.message]).toEqual([suite, expect.stringContaining('alert handshake failure')]);
    }
    const ok = await live(gw, { maxVersion: 'TLSv1.2', ciphers: 'ECDHE-ECDSA-CHACHA20-POLY1305' });
    expect(ok.status).toBe(200);
  });
});

describe('certificate reload on SIGHUP', () => {
  const fingerprint = async (gw: Gateway) => (await live(gw)).serverFingerprint;
  const install = (files: { cert: string; key: string }, from: Issued) => {
    copyFileSync(from.cert, files.cert);
    copyFileSync(from.key, files.key);
  };

  it('serves the new certificate to new connections, and keeps the old one when the new files are bad', async () => {
    const files = liveFiles(first);
    const gw = await startGateway({ KMS_TLS_CERT: files.cert, KMS_TLS_KEY: files.key, KMS_LOG_LEVEL: 'info' });
    try {
      expect(await fingerprint(gw)).toBe(first.fingerprint);
      install(files, second);
      gw.proc.kill('SIGHUP');
      await eventually(async () => (await fingerprint(gw)) === second.fingerprint, 'the second certificate');

      // A broken certificate file: logged, the second certificate stays, the process lives on.
      writeFileSync(files.cert, 'not a certificate\n');
      gw.proc.kill('SIGHUP');
      await eventually(async () => (gw.output().match(/TLS reload failed/g) ?? []).length === 1, 'the first failed reload');
      expect(gw.output()).toContain('KMS_TLS_CERT (tls.cert): ');
      // A certificate with another's key: the same.
      copyFileSync(first.cert, files.cert);
      gw.proc.kill('SIGHUP');
      await eventually(async () => (gw.output().match(/TLS reload failed/g) ?? []).length === 2, 'the second failed reload');
      expect(gw.output()).toContain('is not the private key of the certificate');
      expect(gw.proc.exitCode).toBeNull();
      expect(await live(gw)).toMatchObject({ status: 200, serverFingerprint: second.fingerprint });

      // Good files again: the next SIGHUP takes them.
      install(files, first);
      gw.proc.kill('SIGHUP');
      await eventually(async () => (await fingerprint(gw)) === first.fingerprint, 'the first certificate again');
      expect(gw.output()).toContain('TLS certificate reloaded');
    } finally {
      await gw.stop();
      gw.cleanup();
    }
  });

  it('reloads every worker when the primary gets SIGHUP (KMS_WORKERS=2)', async () => {
    const files = liveFiles(first);
    const gw = await startGateway({ KMS_TLS_CERT: files.cert, KMS_TLS_KEY: files.key, KMS_WORKERS: '2' });
    try {
      expect(gw.url).toMatch(/^https:/);
      const seen = await Promise.all(Array.from({ length: 4 }, () => fingerprint(gw)));
      expect(new Set(seen)).toEqual(new Set([first.fingerprint]));
      install(files, second);
      gw.proc.kill('SIGHUP');
      // Connections go to the workers in turn: six in a row with the new certificate cover both.
      await eventually(async () => {
        const replies: HttpsReply[] = [];
        for (let i = 0; i < 6; i++) replies.push(await live(gw));
        return replies.every((r) => r.serverFingerprint === second.fingerprint);
      }, 'both workers on the second certificate');
      expect(gw.proc.exitCode).toBeNull();
    } finally {
      await gw.stop();
      gw.cleanup();
    }
  });
});
