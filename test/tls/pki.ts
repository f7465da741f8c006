import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../support/server';

/**
 * A throw-away PKI made with the `openssl` CLI for the TLS suites: CAs, a server certificate for
 * 127.0.0.1 / localhost, and client certificates, each as PEM files in one temp directory.
 * EC P-256 keys: quick to make.
 */
export interface Issued {
  cert: string;
  key: string;
  /** SHA-256 of the DER, lowercase hex, as the gateway and the CLI name it. */
  fingerprint: string;
}

export interface Ca extends Issued {
  name: string;
}

export class TestPki {
  readonly dir = tempDir('kms-tls-');
  private serial = 1;

  private openssl(args: string[]): void {
    execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  }

  private file(name: string): string {
    return join(this.dir, name);
  }

  private newKey(name: string): string {
    const key = this.file(`${name}.key`);
    this.openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', key]);
    return key;
  }

  ca(name: string): Ca {
    const key = this.newKey(name);
    const cert = this.file(`${name}.pem`);
    this.openssl([
      'req',
      '-x509',
      '-new',
      '-key',
      key,
      '-subj',
      `/CN=${name}`,
      '-days',
      '2',
      '-sha256',
      '-out',
      cert,
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    ]);
    return { name, cert, key, fingerprint: fingerprintOf(cert) };
  }

  /** A certificate signed by `ca`: a server one (SAN 127.0.0.1, localhost) or a client one. */
  issue(ca: Ca, name: string, use: 'server' | 'client'): Issued {
    const key = this.newKey(name);
    const csr = this.file(`${name}.csr`);
    const cert = this.file(`${name}.pem`);
    const ext = this.file(`${name}.ext`);
    writeFileSync(
      ext,
      use === 'server'
        ? 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1,DNS:localhost\n'
        : 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n',
    );
    this.openssl(['req', '-new', '-key', key, '-subj', `/CN=${name}`, '-out', csr]);
    this.openssl(['x509', '-req', '-in', csr, '-CA', ca.cert, '-CAkey', ca.key, '-set_serial', String(this.serial++), '-days', '2', '-sha256', '-extfile', ext, '-out', cert]);
    return { cert, key, fingerprint: fingerprintOf(cert) };
  }
}

export const fingerprintOf = (certFile: string) => new X509Certificate(readFileSync(certFile)).fingerprint256.replace(/:/g, '').toLowerCase();
