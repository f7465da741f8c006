import { createServer, type Server, type TLSSocket, type TlsOptions } from 'node:tls';
import type { KeyOperations } from '@kms/core';
import { serveMessage, type Caller } from '../message/serve';
import type { OperationHandler } from '../operations/operation';
import { serveConnection } from './connection';
import type { ConnectionLimits } from './limits';

export interface KmipServerOptions {
  /** Certificate, key, client CA and versions (the gateway's KMS_TLS_* material). */
  tls: TlsOptions;
  limits: ConnectionLimits;
  ops: KeyOperations;
  /**
   * The tenant of a verified peer certificate, asked once per message so that a revoked
   * credential stops working on open connections too (within the credential cache's TTL).
   */
  callerOf: (socket: TLSSocket) => Promise<Caller>;
  onInternalError: (err: unknown, operation: string) => void;
  operations?: Readonly<Record<string, OperationHandler>>;
}

/**
 * The KMIP listener: TTLV over TLS 1.2+, client certificates required and verified by the TLS
 * layer itself (no certificate, or one no trusted CA signed, gets no handshake).
 */
export interface KmipServer {
  server: Server;
  /** Stops accepting and ends every open connection (a request in flight gets no answer; KMIP clients reconnect). */
  close(): Promise<void>;
}

export function createKmipServer(o: KmipServerOptions): KmipServer {
  const server = createServer({
    ...o.tls,
    minVersion: 'TLSv1.2',
    requestCert: true,
    rejectUnauthorized: true,
    handshakeTimeout: o.limits.messageTimeoutMs,
  });
  server.maxConnections = o.limits.maxConnections;
  const open = new Set<TLSSocket>();
  server.on('secureConnection', (socket: TLSSocket) => {
    open.add(socket);
    socket.once('close', () => open.delete(socket));
    serveConnection(
      socket,
      async (message) => {
        let caller: Caller;
        try {
          caller = await o.callerOf(socket);
        } catch (err) {
          o.onInternalError(err, 'authenticate');
          caller = { kind: 'refused', message: 'the client certificate could not be checked' };
        }
        return serveMessage(message, caller, { ops: o.ops, onInternalError: o.onInternalError, limits: { maxMessageBytes: o.limits.maxMessageBytes }, operations: o.operations });
      },
      o.limits,
    );
  });
  // A failed handshake is the client's problem, already answered by a TLS alert.
  server.on('tlsClientError', () => {});
  return {
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of open) socket.destroy();
      }),
  };
}
