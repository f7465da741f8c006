import { X509Certificate, createPrivateKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createSecureContext, type SecureContextOptions, type Server as TlsServer, type TlsOptions } from 'node:tls';
import type { Logger } from 'pino';
import { ConfigError, type GatewayConfig } from './config';

/**
 * The gateway's own TLS (KMS_TLS_*): the files are read and checked before anything else starts,
 * so that a missing, unreadable or mismatched file stops start-up naming its setting, and read
 * again on SIGHUP, when a bad file leaves the certificate in force untouched.
 */
export interface TlsMaterial {
  cert: Buffer;
  key: Buffer;
  /** Client certificate CAs; null when client certificates are off. */
  clientCa: Buffer | null;
  clientAuth: GatewayConfig['tlsClientAuth'];
  /** SHA-256 of the leaf certificate, colon-separated hex as OpenSSL prints it (for the logs). */
  fingerprint: string;
  notAfter: string;
}

/**
 * TLS 1.3's suites (all AEAD), then TLS 1.2 with forward secrecy and AEAD only: no CBC, no RSA
 * key exchange, no finite-field DHE (the gateway has no DH parameters to offer).
 */
const CIPHERS = [
  'TLS_AES_256_GCM_SHA384',
  'TLS_CHACHA20_POLY1305_SHA256',
  'TLS_AES_128_GCM_SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305',
  'ECDHE-RSA-CHACHA20-POLY1305',
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES128-GCM-SHA256',
].join(':');

const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

function readSetting(env: string, yaml: string, file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (err) {
    throw new ConfigError(`${env} (${yaml}): cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
}

/** Every certificate of a PEM file, parsed; a file with none, or one that does not parse, is refused. */
function pemCertificates(env: string, yaml: string, file: string, pem: Buffer): X509Certificate[] {
  const blocks = pem.toString('latin1').match(PEM_CERT) ?? [];
  if (blocks.length === 0) throw new ConfigError(`${env} (${yaml}): ${file} holds no PEM certificate`);
  return blocks.map((b, i) => {
    try {
      return new X509Certificate(b);
    } catch {
      throw new ConfigError(`${env} (${yaml}): certificate ${i + 1} of ${file} does not parse`);
    }
  });
}

/** Reads and checks the TLS files of the configuration; null when TLS is off. Throws ConfigError naming the setting. */
export function loadTls(config: GatewayConfig): TlsMaterial | null {
  if (config.tlsCert === null || config.tlsKey === null) return null;
  const cert = readSetting('KMS_TLS_CERT', 'tls.cert', config.tlsCert);
  const [leaf] = pemCertificates('KMS_TLS_CERT', 'tls.cert', config.tlsCert, cert);
  const key = readSetting('KMS_TLS_KEY', 'tls.key', config.tlsKey);
  let keyObject: KeyObject;
  try {
    if (!key.toString('latin1').includes('-----BEGIN')) throw new Error('not PEM');
    keyObject = createPrivateKey(key);
  } catch {
    // Never OpenSSL's text here: nothing of a key file goes into a message.
    throw new ConfigError(`KMS_TLS_KEY (tls.key): ${config.tlsKey} is not an unencrypted PEM private key`);
  }
  if (!leaf.checkPrivateKey(keyObject)) throw new ConfigError(`KMS_TLS_KEY (tls.key): ${config.tlsKey} is not the private key of the certificate in ${config.tlsCert}`);
  let clientCa: Buffer | null = null;
  // The KMIP listener (KMS_KMIP_PORT) always verifies client certificates, whatever HTTP does.
  if ((config.tlsClientAuth !== 'off' || config.kmipPort !== null) && config.tlsClientCa !== null) {
    clientCa = readSetting('KMS_TLS_CLIENT_CA', 'tls.clientCa', config.tlsClientCa);
    pemCertificates('KMS_TLS_CLIENT_CA', 'tls.clientCa', config.tlsClientCa, clientCa);
  }
  const material: TlsMaterial = { cert, key, clientCa, clientAuth: config.tlsClientAuth, fingerprint: leaf.fingerprint256, notAfter: leaf.validTo };
  try {
    // What OpenSSL itself refuses (a key too small for its security level, say) stops start-up too.
    createSecureContext(contextOptions(material));
  } catch (err) {
    throw new ConfigError(`KMS_TLS_CERT (tls.cert): OpenSSL refuses this certificate and key (${(err as { code?: string }).code ?? 'unusable'})`);
  }
  return material;
}

function contextOptions(m: TlsMaterial): SecureContextOptions {
  return { cert: m.cert, key: m.key, ...(m.clientCa ? { ca: m.clientCa } : {}), minVersion: 'TLSv1.2', maxVersion: 'TLSv1.3', ciphers: CIPHERS };
}

/** Certificate, key, client CA, versions and suites: what the KMIP listener takes from the gateway's TLS (it sets its own client-certificate policy). */
export function kmipTlsOptions(m: TlsMaterial): TlsOptions {
  return contextOptions(m);
}

/**
 * Options of the HTTPS server. Client certificates: `optional` asks for one and lets the
 * handshake through whatever comes (a dialect checks `socket.authorized` before it trusts one);
 * `require` ends the handshake of a client without a certificate the CA signed.
 */
export function httpsOptions(m: TlsMaterial): TlsOptions {
  return {
    ...contextOptions(m),
    ALPNProtocols: ['http/1.1'],
    requestCert: m.clientAuth !== 'off',
    rejectUnauthorized: m.clientAuth === 'require',
  };
}

/**
 * SIGHUP reads the files again: new connections get the new certificate (and client CA), open
 * ones keep theirs. A file that fails the start-up checks is logged and the old one stays. The
 * handler is installed at once (SIGHUP's default action ends the process, even while it starts)
 * and acts once the server is attached.
 */
export function reloadOnSighup(config: GatewayConfig, log: Logger): { attach(server: TlsServer): void } {
  // The HTTPS server and, with KMS_KMIP_PORT, the KMIP listener: the same files serve both.
  const servers: TlsServer[] = [];
  process.on('SIGHUP', () => {
    if (servers.length === 0) return log.warn('SIGHUP before the server listens: nothing to reload yet');
    try {
      const m = loadTls(config);
      if (!m) return;
      for (const server of servers) server.setSecureContext(contextOptions(m));
      log.info({ fingerprint: m.fingerprint, notAfter: m.notAfter }, 'TLS certificate reloaded');
    } catch (err) {
      log.error({ err: (err as Error).message }, 'TLS reload failed; still serving the previous certificate');
    }
  });
  return { attach: (s) => void servers.push(s) };
}
