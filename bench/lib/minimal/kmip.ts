import { createCipheriv } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type TLSSocket } from 'node:tls';
import {
  OPERATION,
  RESULT_REASON,
  RESULT_STATUS,
  byteString,
  dateTime,
  dateTimeOf,
  decode,
  encode,
  enumeration,
  integer,
  structure,
  tagOf,
  textString,
  type Item,
} from '@kms/dialect-kmip';
import { MessageReader } from '../kmip-wire';
import { iv12 } from './common';
import type { MinimalConfig } from './config';

/**
 * KMIP Encrypt by hand: a node:tls listener requiring a client certificate of the CA (TLS 1.2+),
 * the tenant looked up by the certificate's SHA-256 fingerprint, each message decoded with the
 * same TTLV codec as the gateway, the key by Unique Identifier in a Map and checked to be the
 * tenant's, AES-256-GCM inline with a 12-byte IV, and the Response Message encoded back with
 * ciphertext, IV and tag. One batch item, Encrypt only: nothing a benchmark does not send.
 */
const child = (parent: Item | undefined, name: string): Item | undefined => (parent?.type === 'Structure' ? parent.items.find((i) => i.tag === tagOf(name)) : undefined);

function response(version: Item | undefined, body: Item[]): Buffer {
  return encode(
    structure('Response Message', [
      structure('Response Header', [
        version ?? structure('Protocol Version', [integer('Protocol Version Major', 1), integer('Protocol Version Minor', 4)]),
        dateTime('Time Stamp', dateTimeOf(new Date())),
        integer('Batch Count', 1),
      ]),
      structure('Batch Item', [enumeration('Operation', OPERATION['Encrypt']), ...body]),
    ]),
  );
}

const failure = (version: Item | undefined, reason: string, message: string) =>
  response(version, [enumeration('Result Status', RESULT_STATUS['Operation Failed']), enumeration('Result Reason', RESULT_REASON[reason]), textString('Result Message', message)]);

export function kmipListener(cfg: NonNullable<MinimalConfig['kmip']>): Promise<number> {
  const tenantOf = new Map(cfg.clients.map((c) => [c.fingerprint, c.tenant]));
  const keys = new Map(cfg.keys.map((k) => [k.id, { tenant: k.tenant, material: Buffer.from(k.material, 'base64') }]));
  const answer = (fingerprint: string, message: Buffer): Buffer => {
    let request: Item;
    try {
      request = decode(message);
    } catch {
      return failure(undefined, 'Invalid Message', 'not a TTLV message');
    }
    const version = child(child(request, 'Request Header'), 'Protocol Version');
    const item = child(request, 'Batch Item');
    const operation = child(item, 'Operation');
    if (operation?.type !== 'Enumeration' || operation.value !== OPERATION['Encrypt']) return failure(version, 'Operation Not Supported', 'Encrypt only');
    const tenant = tenantOf.get(fingerprint);
    if (tenant === undefined) return failure(version, 'Permission Denied', 'unknown client certificate');
    const payload = child(item, 'Request Payload');
    const id = child(payload, 'Unique Identifier');
    const data = child(payload, 'Data');
    if (id?.type !== 'TextString' || data?.type !== 'ByteString') return failure(version, 'Invalid Field', 'Unique Identifier and Data are required');
    const key = keys.get(id.value);
    if (!key || key.tenant !== tenant) return failure(version, 'Item Not Found', 'no such key');
    const iv = iv12();
    const c = createCipheriv('aes-256-gcm', key.material, iv);
    const ct = c.update(data.value);
    c.final();
    return response(version, [
      enumeration('Result Status', RESULT_STATUS['Success']),
      structure('Response Payload', [
        textString('Unique Identifier', id.value),
        byteString('Data', ct),
        byteString('IV/Counter/Nonce', iv),
        byteString('Authenticated Encryption Tag', c.getAuthTag()),
      ]),
    ]);
  };
  const server = createServer(
    { cert: readFileSync(cfg.cert), key: readFileSync(cfg.key), ca: readFileSync(cfg.ca), requestCert: true, rejectUnauthorized: true, minVersion: 'TLSv1.2' },
    (socket: TLSSocket) => {
      socket.setNoDelay(true);
      const fingerprint = socket.getPeerCertificate().fingerprint256.replace(/:/g, '').toLowerCase();
      const reader = new MessageReader((m) => socket.write(answer(fingerprint, m)));
      socket.on('data', (chunk: Buffer) => {
        try {
          reader.push(chunk);
        } catch {
          socket.destroy();
        }
      });
      socket.on('error', () => socket.destroy());
    },
  );
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)));
}
