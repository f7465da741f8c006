import type { TLSSocket } from 'node:tls';
import { clientCertLookup } from '@kms/core';
import { createKmipServer, type Caller, type KmipServer } from '@kms/dialect-kmip';
import type { Kernel } from './kernel';
import { kmipTlsOptions, type TlsMaterial } from './tls';

/**
 * The tenant of a KMIP connection's verified certificate: a live `tls-client-cert` credential
 * (`npm run cli -- credential kmip <tenant> --cert <pem>`). An unmapped, revoked or expired one
 * still completes the handshake (its CA is trusted) and gets every request refused with
 * Permission Denied, which tells the operator what to fix.
 */
async function callerOf(kernel: Kernel, socket: TLSSocket): Promise<Caller> {
  const cert = socket.authorized ? socket.getPeerX509Certificate() : undefined;
  if (!cert) return { kind: 'refused', message: 'no verified client certificate' };
  const credential = await kernel.tenants.resolve('tls-client-cert', clientCertLookup(cert));
  if (!credential)
    return { kind: 'refused', message: 'the client certificate is not mapped to a tenant (npm run cli -- credential kmip <tenant> --cert <pem>), or its credential was revoked' };
  return { kind: 'tenant', ctx: { tenantId: credential.tenantId, dialect: 'kmip', principal: credential.credentialId } };
}

/** Starts the KMIP listener on KMS_HOST:KMS_KMIP_PORT; resolves with the listening server. */
export async function startKmip(kernel: Kernel, tls: TlsMaterial): Promise<KmipServer> {
  const c = kernel.config;
  const kmip = createKmipServer({
    tls: kmipTlsOptions(tls),
    limits: { maxMessageBytes: c.kmipMaxMessageBytes, idleTimeoutMs: c.kmipIdleTimeoutMs, messageTimeoutMs: c.kmipMessageTimeoutMs, maxConnections: c.kmipMaxConnections },
    ops: kernel.keys,
    callerOf: (socket) => callerOf(kernel, socket),
    onInternalError: (err, operation) =>
      kernel.log.error({ operation, err: err instanceof Error ? { name: err.name, message: err.message, stack: err.stack } : String(err) }, 'internal error in KMIP operation'),
  });
  await new Promise<void>((resolve, reject) => {
    kmip.server.once('error', reject);
    kmip.server.listen(c.kmipPort ?? 0, c.host, () => {
      kmip.server.off('error', reject);
      resolve();
    });
  });
  return kmip;
}
