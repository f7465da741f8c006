import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { clientCertLookup } from '@kms/core';

/**
 * The credential lookup of the client certificate this request's connection presented, when the
 * gateway's client CA verified it during the handshake; null otherwise (plain HTTP, no
 * certificate, or one that did not verify: under `KMS_TLS_CLIENT_AUTH=optional` such a handshake
 * succeeds, and its certificate must authenticate nothing). Whether the lookup maps to a live
 * credential is the guard's question.
 */
export function verifiedClientCert(req: IncomingMessage): string | null {
  const socket = req.socket as TLSSocket;
  if (!socket.encrypted || !socket.authorized) return null;
  const cert = socket.getPeerX509Certificate();
  return cert ? clientCertLookup(cert) : null;
}
