import { copyFileSync, readFileSync } from 'node:fs';
import { connect, type TLSSocket } from 'node:tls';
import { HEADER_BYTES, OPERATION, byteString, decode, encode, enumeration, integer, messageLength, structure, tagOf, type Item } from '@kms/dialect-kmip';
import { cli, startGateway, type Gateway } from '../support/server';
import { TestPki, type Ca, type Issued } from '../tls/pki';

/**
 * A gateway with its KMIP listener on a free port, a throw-away PKI (server CA, client CA, a CA
 * the gateway does not trust), and a raw KMIP client over node:tls and the codec.
 */
export interface KmipWorld {
  gw: Gateway;
  port: number;
  pki: TestPki;
  serverCa: Ca;
  clientCa: Ca;
  otherCa: Ca;
  /** A client certificate signed by the client CA, mapped to `tenant` when one is given. */
  client(name: string, tenant?: string): Promise<Issued>;
}

/** `live`: paths the server certificate and key are copied to, and read from, so that a test can replace them before a SIGHUP. */
export async function startKmipWorld(env: Record<string, string> = {}, live?: { cert: string; key: string }): Promise<KmipWorld> {
  const pki = new TestPki();
  const serverCa = pki.ca('kmip-server-ca');
  let server = pki.issue(serverCa, 'kmip-server', 'server');
  if (live) {
    copyFileSync(server.cert, live.cert);
    copyFileSync(server.key, live.key);
    server = { ...server, ...live };
  }
  const clientCa = pki.ca('kmip-client-ca');
  const otherCa = pki.ca('kmip-other-ca');
  const gw = await startGateway({ KMS_TLS_CERT: server.cert, KMS_TLS_KEY: server.key, KMS_TLS_CLIENT_CA: clientCa.cert, KMS_KMIP_PORT: '0', ...env });
  const m = /kms-gateway KMIP listening on [\d.]+:(\d+)/.exec(gw.output());
  if (!m) throw new Error(`no KMIP listening line:\n${gw.output()}`);
  const tenants = new Set<string>();
  return {
    gw,
    port: Number(m[1]),
    pki,
    serverCa,
    clientCa,
    otherCa,
    async client(name, tenant) {
      const issued = pki.issue(clientCa, name, 'client');
      if (tenant !== undefined) {
        if (!tenants.has(tenant)) {
          const made = await cli(gw.dataDir, ['tenant', 'create', tenant]);
          if (made.code !== 0) throw new Error(`tenant create ${tenant}: ${made.stderr}`);
          tenants.add(tenant);
        }
        const mapped = await cli(gw.dataDir, ['credential', 'kmip', tenant, '--cert', issued.cert]);
        if (mapped.code !== 0) throw new Error(`credential kmip ${tenant}: ${mapped.stderr}`);
      }
      return issued;
    },
  };
}

/** A TLS connection to the KMIP port as `who` (no certificate when undefined). */
export function kmipConnect(world: KmipWorld, who?: Issued): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const socket = connect({
      host: '127.0.0.1',
      port: world.port,
      ca: readFileSync(world.serverCa.cert),
      ...(who ? { cert: readFileSync(who.cert), key: readFileSync(who.key) } : {}),
      servername: 'localhost',
    });
    socket.once('secureConnect', () => {
      socket.off('error', reject);
      resolve(socket);
    });
    socket.once('error', reject);
  });
}

/**
 * Reads KMIP messages off a socket: each `next()` is the next whole message, or null once the
 * server closed the connection.
 */
export class MessageReader {
  private buffered = Buffer.alloc(0);
  private waiting: (() => void) | null = null;
  private ended = false;

  constructor(readonly socket: TLSSocket) {
    socket.on('data', (chunk: Buffer) => {
      this.buffered = Buffer.concat([this.buffered, chunk]);
      this.waiting?.();
    });
    const end = () => {
      this.ended = true;
      this.waiting?.();
    };
    socket.on('end', end);
    socket.on('close', end);
    socket.on('error', end);
  }

  async next(timeoutMs = 10000): Promise<Item | null> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.buffered.length >= HEADER_BYTES) {
        const length = messageLength(this.buffered, { maxMessageBytes: 64 << 20 });
        if (this.buffered.length >= length) {
          const message = this.buffered.subarray(0, length);
          this.buffered = this.buffered.subarray(length);
          return decode(Buffer.from(message), { maxMessageBytes: 64 << 20 });
        }
      }
      if (this.ended) return null;
      if (Date.now() > deadline) throw new Error('no KMIP message in time');
      await new Promise<void>((resolve) => {
        this.waiting = resolve;
        setTimeout(resolve, 100);
      });
      this.waiting = null;
    }
  }

  /** Resolves once the server closed the connection (within timeoutMs), with the time it took. */
  async closed(timeoutMs: number): Promise<number> {
    const start = Date.now();
    while (!this.ended) {
      if (Date.now() - start > timeoutMs) throw new Error('the connection stayed open');
      await new Promise((r) => setTimeout(r, 50));
    }
    return Date.now() - start;
  }
}

export interface BatchItem {
  operation: string;
  payload?: Item[];
  id?: Buffer;
}

export function requestMessage(version: [number, number], items: BatchItem[], header: Item[] = []): Item {
  return structure('Request Message', [
    structure('Request Header', [
      structure('Protocol Version', [integer('Protocol Version Major', version[0]), integer('Protocol Version Minor', version[1])]),
      ...header,
      integer('Batch Count', items.length),
    ]),
    ...items.map((i) =>
      structure('Batch Item', [
        enumeration('Operation', OPERATION[i.operation]),
        ...(i.id ? [byteString('Unique Batch Item ID', i.id)] : []),
        structure('Request Payload', i.payload ?? []),
      ]),
    ),
  ]);
}

/**
 * True when the server refused the connection of `who` (no certificate when undefined): the
 * handshake failed, or (TLS 1.3, where the client finishes first) the server closed it before
 * answering a request. False when the request was answered.
 */
export async function refusedAtTls(world: KmipWorld, who: { cert: string; key: string } | undefined): Promise<boolean> {
  const socket = connect({
    host: '127.0.0.1',
    port: world.port,
    ca: readFileSync(world.serverCa.cert),
    servername: 'localhost',
    ...(who ? { cert: readFileSync(who.cert), key: readFileSync(who.key) } : {}),
  });
  const reader = new MessageReader(socket);
  socket.on('secureConnect', () => socket.write(encode(requestMessage([1, 2], [{ operation: 'Query', payload: [enumeration('Query Function', 1)] }]))));
  const answer = await reader.next(5000);
  socket.destroy();
  return answer === null;
}

/** One request, one response, on a fresh connection as `who`. */
export async function roundTrip(world: KmipWorld, who: Issued, message: Item | Buffer): Promise<Item> {
  const socket = await kmipConnect(world, who);
  try {
    const reader = new MessageReader(socket);
    socket.write(Buffer.isBuffer(message) ? message : encode(message));
    const answer = await reader.next();
    if (!answer) throw new Error('the server closed the connection without an answer');
    return answer;
  } finally {
    socket.destroy();
  }
}

// ---- reading responses ----------------------------------------------------------------------

export const child = (item: Item, name: string): Item | undefined => (item.type === 'Structure' ? item.items.find((i) => i.tag === tagOf(name)) : undefined);
export const childrenOf = (item: Item, name: string): Item[] => (item.type === 'Structure' ? item.items.filter((i) => i.tag === tagOf(name)) : []);
export const valueOf = (item: Item | undefined): unknown => (item && item.type !== 'Structure' ? item.value : undefined);

export interface Answered {
  operation: number | undefined;
  id: Buffer | undefined;
  status: number;
  reason: number | undefined;
  message: string | undefined;
  payload: Item | undefined;
}

/** The response header's version and each batch item, read plainly. */
export function readResponse(response: Item): { version: [number, number]; count: number; items: Answered[] } {
  const header = child(response, 'Response Header')!;
  const pv = child(header, 'Protocol Version')!;
  return {
    version: [valueOf(child(pv, 'Protocol Version Major')) as number, valueOf(child(pv, 'Protocol Version Minor')) as number],
    count: valueOf(child(header, 'Batch Count')) as number,
    items: childrenOf(response, 'Batch Item').map((b) => ({
      operation: valueOf(child(b, 'Operation')) as number | undefined,
      id: valueOf(child(b, 'Unique Batch Item ID')) as Buffer | undefined,
      status: valueOf(child(b, 'Result Status')) as number,
      reason: valueOf(child(b, 'Result Reason')) as number | undefined,
      message: valueOf(child(b, 'Result Message')) as string | undefined,
      payload: child(b, 'Response Payload'),
    })),
  };
}
