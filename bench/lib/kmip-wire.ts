import {
  BLOCK_CIPHER_MODE,
  CRYPTOGRAPHIC_ALGORITHM,
  OPERATION,
  RESULT_STATUS,
  byteString,
  encode,
  enumeration,
  integer,
  messageLength,
  structure,
  tagOf,
  textString,
  type Item,
} from '@kms/dialect-kmip';

/** A KMIP 1.4 Request Message of one Encrypt batch item: AES-GCM under `keyId`, the server making the IV. */
export function encryptRequest(keyId: string, plaintext: Buffer): Buffer {
  return encode(
    structure('Request Message', [
      structure('Request Header', [structure('Protocol Version', [integer('Protocol Version Major', 1), integer('Protocol Version Minor', 4)]), integer('Batch Count', 1)]),
      structure('Batch Item', [
        enumeration('Operation', OPERATION['Encrypt']),
        structure('Request Payload', [
          textString('Unique Identifier', keyId),
          structure('Cryptographic Parameters', [
            enumeration('Cryptographic Algorithm', CRYPTOGRAPHIC_ALGORITHM['AES']),
            enumeration('Block Cipher Mode', BLOCK_CIPHER_MODE['GCM']),
          ]),
          byteString('Data', plaintext),
        ]),
      ]),
    ]),
  );
}

const child = (parent: Item | undefined, name: string): Item | undefined => (parent?.type === 'Structure' ? parent.items.find((i) => i.tag === tagOf(name)) : undefined);

/** The first batch item's Result Status is Success, and its payload carries ciphertext, IV and tag (as a response of the gateway and of the minimal handler must). */
export function encryptSucceeded(response: Item): boolean {
  const item = child(response, 'Batch Item');
  const status = child(item, 'Result Status');
  const payload = child(item, 'Response Payload');
  return (
    status?.type === 'Enumeration' &&
    status.value === RESULT_STATUS['Success'] &&
    ['Data', 'IV/Counter/Nonce', 'Authenticated Encryption Tag'].every((n) => child(payload, n) !== undefined)
  );
}

/**
 * Splits a TLS byte stream into whole TTLV messages: `push` hands each complete one to `onMessage`.
 * Chunks are kept in a list and joined once a message is complete, not concatenated per chunk.
 */
export class MessageReader {
  private chunks: Buffer[] = [];
  private have = 0;
  constructor(private readonly onMessage: (message: Buffer) => void) {}

  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.have += chunk.length;
    for (;;) {
      if (this.have < 8) return;
      const head = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks);
      const total = messageLength(head);
      if (this.have < total) {
        this.chunks = [head];
        return;
      }
      this.onMessage(head.subarray(0, total));
      const rest = head.subarray(total);
      this.chunks = rest.length ? [rest] : [];
      this.have = rest.length;
    }
  }
}
