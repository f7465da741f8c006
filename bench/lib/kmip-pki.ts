import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * A throw-away PKI for the KMIP row (openssl CLI, EC P-256): one CA, a server certificate for
 * 127.0.0.1, one client certificate. File paths, plus the client's SHA-256 fingerprint as the
 * gateway's `credential kmip` names it.
 */
export interface KmipPki {
  ca: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
  clientFingerprint: string;
}

export function makeKmipPki(dir: string): KmipPki {
  const f = (name: string) => join(dir, name);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  const key = (name: string) => {
    openssl('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', f(`${name}.key`));
    return f(`${name}.key`);
  };
  const caKey = key('ca');
  openssl('req', '-x509', '-new', '-key', caKey, '-subj', '/CN=bench kmip ca', '-days', '2', '-out', f('ca.pem'));
  const issue = (name: string, subject: string, ext: string) => {
    const k = key(name);
    openssl('req', '-new', '-key', k, '-subj', subject, '-out', f(`${name}.csr`));
    writeFileSync(f(`${name}.ext`), ext);
    openssl('x509', '-req', '-in', f(`${name}.csr`), '-CA', f('ca.pem'), '-CAkey', caKey, '-CAcreateserial', '-days', '2', '-extfile', f(`${name}.ext`), '-out', f(`${name}.pem`));
    return { cert: f(`${name}.pem`), key: k };
  };
  const server = issue('server', '/CN=127.0.0.1', 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  const client = issue('client', '/CN=bench kmip client', 'extendedKeyUsage=clientAuth\n');
  const fingerprint = new X509Certificate(readFileSync(client.cert)).fingerprint256.replace(/:/g, '').toLowerCase();
  return { ca: f('ca.pem'), serverCert: server.cert, serverKey: server.key, clientCert: client.cert, clientKey: client.key, clientFingerprint: fingerprint };
}
