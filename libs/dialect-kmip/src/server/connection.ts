import type { TLSSocket } from 'node:tls';
import { HEADER_BYTES, TtlvError, messageLength } from '../ttlv';
import { refusalMessage } from '../message/response';
import { FALLBACK_VERSION } from '../message/versions';
import type { ConnectionLimits } from './limits';

/** Serves one message: never rejects (serveMessage answers every fault with a KMIP response). */
export type MessageHandler = (message: Buffer) => Promise<Buffer>;

/**
 * One client connection: read 8 bytes, learn the message's length from them, read exactly that
 * message, answer it, and only then read the next one (requests on a connection are served in
 * order, one at a time). A header that cannot start a message (bad tag or type, a length over the
 * limit) loses the framing: it is answered with Invalid Message and the connection is closed.
 */
export function serveConnection(socket: TLSSocket, handle: MessageHandler, limits: ConnectionLimits): void {
  let chunks: Buffer[] = [];
  let buffered = 0;
  let busy = false;
  let closed = false;
  let messageTimer: NodeJS.Timeout | null = null;

  const clearMessageTimer = () => {
    if (messageTimer) clearTimeout(messageTimer);
    messageTimer = null;
  };
  const close = () => {
    closed = true;
    clearMessageTimer();
    socket.destroy();
  };
  const refuseFraming = (err: TtlvError) => {
    closed = true;
    clearMessageTimer();
    socket.end(refusalMessage(FALLBACK_VERSION, err.resultReason, err.message));
    // A client that never reads its refusal must not hold the socket open.
    setTimeout(() => socket.destroy(), 1000).unref();
  };

  socket.setTimeout(limits.idleTimeoutMs);
  socket.on('timeout', close);
  socket.on('error', close);
  socket.on('close', () => {
    closed = true;
    clearMessageTimer();
  });

  const take = (n: number): Buffer => {
    const all = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, buffered);
    const out = all.subarray(0, n);
    const rest = all.subarray(n);
    chunks = rest.length ? [rest] : [];
    buffered = rest.length;
    return out;
  };

  const pump = async () => {
    while (!busy && !closed) {
      if (buffered === 0) return;
      // A message has started: the rest of it has messageTimeoutMs to arrive.
      messageTimer ??= setTimeout(close, limits.messageTimeoutMs);
      if (buffered < HEADER_BYTES) return;
      // Only the first 8 bytes are needed: no copy of a large message per arriving chunk.
      const head = chunks[0].length >= HEADER_BYTES ? chunks[0] : Buffer.concat(chunks, buffered).subarray(0, HEADER_BYTES);
      let length: number;
      try {
        length = messageLength(head, { maxMessageBytes: limits.maxMessageBytes });
      } catch (err) {
        if (err instanceof TtlvError) return refuseFraming(err);
        throw err;
      }
      if (buffered < length) return;
      clearMessageTimer();
      const message = take(length);
      busy = true;
      socket.pause();
      socket.setTimeout(0);
      try {
        const response = await handle(Buffer.from(message));
        if (closed) return;
        await new Promise<void>((resolve) => socket.write(response, () => resolve()));
      } finally {
        busy = false;
        if (!closed) {
          socket.setTimeout(limits.idleTimeoutMs);
          socket.resume();
        }
      }
    }
  };

  socket.on('data', (chunk: Buffer) => {
    if (closed) return;
    chunks.push(chunk);
    buffered += chunk.length;
    // Bytes past one whole message while it is served are held, but never more than one more message's worth.
    if (buffered > limits.maxMessageBytes + HEADER_BYTES && busy) return close();
    void pump().catch(close);
  });
}
