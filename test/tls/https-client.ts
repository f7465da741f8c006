import { readFileSync } from 'node:fs';
import { request, type RequestOptions } from 'node:https';
import type { ConnectionOptions, SecureVersion, TLSSocket } from 'node:tls';

/**
 * One HTTPS request on a fresh connection (no agent, so no reuse: each call makes its own
 * handshake and sees the certificate the server offers now), trusting only the test CA.
 */
export interface TlsClientOptions {
  /** CA file the client trusts for the server certificate. */
  ca: string;
  /** Client certificate and key files, if the client presents one. */
  cert?: string;
  key?: string;
  minVersion?: SecureVersion;
  maxVersion?: SecureVersion;
  /** OpenSSL cipher list of the client (TLS 1.1 needs security level 0 to be offered at all). */
  ciphers?: string;
}

export interface HttpsReply {
  status: number;
  text: string;
  json: any;
  headers: Record<string, string | string[] | undefined>;
  /** TLS version negotiated, e.g. `TLSv1.3`. */
  protocol: string | null;
  /** SHA-256 of the server's certificate, lowercase hex. */
  serverFingerprint: string;
  alpn: string | false | null;
}

export function httpsCall(
  url: string,
  tls: TlsClientOptions,
  req: { method?: string; path: string; headers?: Record<string, string>; body?: string | Buffer } = { path: '/' },
): Promise<HttpsReply> {
  const u = new URL(req.path, url);
  return new Promise((resolve, reject) => {
    const r = request(
      {
        hostname: u.hostname,
        port: u.port,
        path: `${u.pathname}${u.search}`,
        method: req.method ?? 'GET',
        headers: { ...(req.body !== undefined ? { 'content-length': String(Buffer.byteLength(req.body)) } : {}), ...req.headers },
        agent: false,
        ca: readFileSync(tls.ca),
        ...(tls.cert ? { cert: readFileSync(tls.cert) } : {}),
        ...(tls.key ? { key: readFileSync(tls.key) } : {}),
        ...(tls.minVersion ? { minVersion: tls.minVersion } : {}),
        ...(tls.maxVersion ? { maxVersion: tls.maxVersion } : {}),
        ...(tls.ciphers ? { ciphers: tls.ciphers } : {}),
        // https passes it on to tls.connect; its RequestOptions type does not list it.
        ALPNProtocols: ['http/1.1'],
      } as RequestOptions & Pick<ConnectionOptions, 'ALPNProtocols'>,
      (res) => {
        const socket = res.socket as TLSSocket;
        const protocol = socket.getProtocol();
        const serverFingerprint = socket.getPeerX509Certificate()!.fingerprint256.replace(/:/g, '').toLowerCase();
        const alpn = socket.alpnProtocol;
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown = null;
          try {
            json = text ? JSON.parse(text) : null;
          } catch {
            // not JSON
          }
          resolve({ status: res.statusCode ?? 0, text, json, headers: res.headers, protocol, serverFingerprint, alpn });
        });
      },
    );
    r.on('error', reject);
    if (req.body !== undefined) r.write(req.body);
    r.end();
  });
}

/** The error a call failed with (a refused handshake); fails the test if it got an answer. */
export async function handshakeFailure(p: Promise<HttpsReply>): Promise<NodeJS.ErrnoException> {
  let reply: HttpsReply;
  try {
    reply = await p;
  } catch (err) {
    return err as NodeJS.ErrnoException;
  }
  throw new Error(`the request was answered: ${reply.status} ${reply.text}`);
}
