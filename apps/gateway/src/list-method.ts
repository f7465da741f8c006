import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { Duplex, finished } from 'node:stream';

/**
 * Vault's clients list with the HTTP method `LIST` (hvac's `secrets.transit.list_keys` sends
 * `LIST /v1/transit/keys`), which Vault answers exactly as `GET <path>?list=true`. Node's HTTP
 * parser (llhttp) only knows a fixed table of methods: it fails at the `S` of `LIST`
 * (`HPE_INVALID_METHOD`, after matching `LI` as the start of `LINK`) before Fastify sees anything,
 * and Node has no option to accept other methods.
 *
 * So the parse error is where LIST is served. Every connection keeps Node's native parser, with
 * no JavaScript on its bytes, until a request line starts with `LIST`. Then that connection leaves
 * Node's parser: once the responses to the requests before it have been written, its remaining
 * bytes are handed, the request line rewritten to `GET <target>[?|&]list=true`, to a fresh Node
 * parser through a relay stream injected as a new connection of the same server (a documented use
 * of the `connection` event). The request then goes through the whole Fastify pipeline (routes,
 * guards, error codecs, metrics, audit) and the connection stays usable: later requests pass
 * through the relay untouched, and a later LIST on it starts a new relay on the same socket. Only
 * a relayed connection's bytes pass through JavaScript (a push per TCP chunk, the request line
 * looked at byte by byte); the normal request path runs none of this file.
 *
 * A request that came as LIST carries `LIST_METHOD` (see `cameAsList`). Anything else llhttp
 * refuses keeps the answer it had (Fastify's client-error handler).
 *
 * Limit: when a request's first two bytes arrive in an earlier TCP packet than its third, llhttp
 * no longer holds them; `LI`, `LO`, `BI` and `UNLI` are then indistinguishable, so a method
 * `LOST`, `BIST` or `UNLIST` split that way (no client sends one) is served as LIST.
 */
export const LIST_METHOD = Symbol.for('kms.http.list-method');

/** Whether a request came with the method LIST (it reaches routes as GET with `list=true`). */
export function cameAsList(req: IncomingMessage): boolean {
  return (req as IncomingMessage & { [LIST_METHOD]?: true })[LIST_METHOD] === true;
}

/** What Node attaches to the error it passes to `clientError`. */
interface ParseError extends Error {
  code?: string;
  bytesParsed?: number;
  rawPacket?: Buffer;
}

type ClientErrorListener = (err: ParseError, socket: Duplex) => void;

/** Installs LIST on a Node HTTP server whose client-error listeners are in place. */
export function serveListMethod(server: Server): void {
  const fallback = server.listeners('clientError') as ClientErrorListener[];
  server.removeAllListeners('clientError');
  const host: Host = {
    server,
    refuse: (err, socket) => {
      for (const listener of fallback) listener.call(server, err, socket);
    },
    awaitList: listMarker(server),
  };
  server.on('clientError', (err: ParseError, socket: Duplex) => {
    // A connection that left Node's parser: that parser's later complaints (its request timeout
    // for the LIST it failed on) are about bytes it no longer owns.
    if (retired.has(socket)) return;
    const at = listAt(err);
    if (at === undefined || !takeOver(host, socket, err, at)) host.refuse(err, socket);
  });
}

/** The server, Fastify's answer to what Node's parser refuses, and the LIST marker. */
interface Host {
  server: Server;
  refuse: ClientErrorListener;
  /** Marks the next request read from this relay (the rewritten LIST). */
  awaitList: (conn: ListConnection) => void;
}

/**
 * A `request` listener, ahead of Fastify's, that marks the first request of each new relay. It is
 * attached only while some relay still awaits that request, so requests on connections that never
 * sent LIST run no code of this file.
 */
function listMarker(server: Server): (conn: ListConnection) => void {
  const awaiting = new Set<ListConnection>();
  const forget = (conn: ListConnection) => {
    awaiting.delete(conn);
    if (awaiting.size === 0) server.removeListener('request', mark);
  };
  const mark = (req: IncomingMessage) => {
    const conn = req.socket;
    if (!(conn instanceof ListConnection) || !awaiting.has(conn)) return;
    (req as IncomingMessage & { [LIST_METHOD]?: true })[LIST_METHOD] = true;
    forget(conn);
  };
  return (conn) => {
    if (awaiting.size === 0) server.prependListener('request', mark);
    awaiting.add(conn);
    conn.once('close', () => forget(conn));
  };
}

const LIST = Buffer.from('LIST ');
/** llhttp matched these two bytes (as the start of LINK) before failing on the `S`. */
const MATCHED = 2;
const GET = Buffer.from('GET ');
const FIRST_PARAM = Buffer.from('?list=true');
const NEXT_PARAM = Buffer.from('&list=true');
const [SP, CR, LF, QUESTION, HASH] = [0x20, 0x0d, 0x0a, 0x3f, 0x23];
/** Bytes read ahead while earlier responses are still being written, before the socket pauses. */
const MAX_PENDING = 64 * 1024;

/**
 * Where, in the packet llhttp failed on, the bytes after `LI` begin; undefined when the error is
 * not the start of a LIST request line.
 */
function listAt(err: ParseError): number | undefined {
  const packet = err.rawPacket;
  const at = err.bytesParsed;
  if (err.code !== 'HPE_INVALID_METHOD' || !Buffer.isBuffer(packet) || typeof at !== 'number') return undefined;
  if (!Number.isInteger(at) || at < 0 || at >= packet.length || packet[at] !== LIST[MATCHED]) return undefined;
  const seen = packet.subarray(Math.max(0, at - MATCHED), at);
  return seen.equals(LIST.subarray(MATCHED - seen.length, MATCHED)) ? at : undefined;
}

/**
 * Rewrites `LIST <target> HTTP/x.y` into `GET <target>?list=true HTTP/x.y` (`&list=true` after an
 * existing query) as its bytes arrive, however they are split, then passes every byte through.
 * Only the request line is looked at; the headers, the body and any later request are not.
 */
class ListLine {
  private matched = MATCHED;
  private phase: 'method' | 'target' | 'through' = 'method';
  private query = false;

  /** The bytes to hand on, or undefined once the method turns out not to be LIST. */
  feed(chunk: Buffer): Buffer[] | undefined {
    if (this.phase === 'through') return [chunk];
    const out: Buffer[] = [];
    let i = 0;
    if (this.phase === 'method') {
      for (; i < chunk.length && this.matched < LIST.length; i++, this.matched++) {
        if (chunk[i] !== LIST[this.matched]) return undefined;
      }
      if (this.matched < LIST.length) return out;
      out.push(GET);
      this.phase = 'target';
    }
    let end = i;
    for (; end < chunk.length; end++) {
      const byte = chunk[end];
      if (byte === SP || byte === CR || byte === LF || byte === HASH) break;
      if (byte === QUESTION) this.query = true;
    }
    if (end > i) out.push(chunk.subarray(i, end));
    if (end === chunk.length) return out;
    out.push(this.query ? NEXT_PARAM : FIRST_PARAM, chunk.subarray(end));
    this.phase = 'through';
    return out;
  }
}

/**
 * The stream a relayed connection is served through: reads what the socket brings (after the
 * rewrite), writes to the socket, and lends the socket's addresses, TLS flag and timer to what
 * Node and Fastify read from a connection (request.ip, request.protocol, keep-alive timeout).
 */
class ListConnection extends Duplex {
  /** Handed over to a newer relay: closing this one must not close the socket. */
  private detached = false;

  constructor(readonly raw: Socket) {
    super();
  }

  get remoteAddress() {
    return this.raw.remoteAddress;
  }
  get remotePort() {
    return this.raw.remotePort;
  }
  get remoteFamily() {
    return this.raw.remoteFamily;
  }
  get localAddress() {
    return this.raw.localAddress;
  }
  get localPort() {
    return this.raw.localPort;
  }
  get encrypted(): boolean {
    return (this.raw as Socket & { encrypted?: boolean }).encrypted === true;
  }

  setTimeout(ms: number, onTimeout?: () => void): this {
    this.raw.setTimeout(ms);
    if (onTimeout) this.once('timeout', onTimeout);
    return this;
  }

  feed(chunks: Buffer[]): void {
    for (const chunk of chunks) if (!this.push(chunk)) this.raw.pause();
  }

  retire(): void {
    this.detached = true;
    this.destroy();
  }

  override _read(): void {
    this.raw.resume();
  }
  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (err?: Error | null) => void): void {
    this.raw.write(chunk, done);
  }
  override _final(done: (err?: Error | null) => void): void {
    this.raw.end();
    done();
  }
  override _destroy(err: Error | null, done: (err?: Error | null) => void): void {
    if (!this.detached) this.raw.destroy();
    done(err);
  }
}

/** A socket taken from Node's parser: its bytes go to `sink`, its events to the current relay. */
class Relay {
  sink: (chunk: Buffer) => void = () => undefined;
  conn: ListConnection | undefined;
  /** The relay being replaced while its last responses are written. */
  previous: ListConnection | undefined;
  ended = false;

  constructor(readonly raw: Socket) {
    raw.on('data', (chunk: Buffer) => this.sink(chunk));
    raw.on('end', () => {
      this.ended = true;
      this.conn?.push(null);
    });
    raw.on('timeout', () => this.conn?.emit('timeout'));
    raw.on('close', () => {
      this.conn?.destroy();
      this.previous?.destroy();
    });
  }
}

const relays = new WeakMap<Socket, Relay>();
/** Connections whose Node parser gave up on a LIST: its later client errors are stale. */
const retired = new WeakSet<Duplex>();

/**
 * Node's own listeners on a connection it parses, by the names its `_http_server` gives them
 * (the same in Node 22 and 24). Taking the connection over removes them, as Node itself does for
 * an upgrade; were one missing in some Node release, LIST keeps today's 400 rather than racing
 * Node's parser for the bytes.
 */
const NODE_LISTENERS: ReadonlyArray<readonly [string, string]> = [
  ['data', 'bound socketOnData'],
  ['end', 'bound socketOnEnd'],
  ['drain', 'bound socketOnDrain'],
  ['timeout', 'socketOnTimeout'],
];

function nodeListeners(socket: Duplex): Array<[string, (...args: unknown[]) => void]> | undefined {
  const found: Array<[string, (...args: unknown[]) => void]> = [];
  for (const [event, name] of NODE_LISTENERS) {
    const listener = (socket.listeners(event) as Array<(...args: unknown[]) => void>).find((l) => l.name === name);
    if (!listener) return undefined;
    found.push([event, listener]);
  }
  return found;
}

/**
 * Resolves once every response to a request read before the LIST has been written. Node keeps the
 * response being written as `socket._httpMessage` and hands the socket to the next pipelined one
 * as it finishes; it offers no public way to wait for them.
 */
async function whenIdle(socket: Duplex): Promise<void> {
  const current = () => (socket as Duplex & { _httpMessage?: ServerResponse | null })._httpMessage ?? undefined;
  for (let res = current(); res; res = current()) {
    const pending = res;
    await new Promise<void>((resolve) => finished(pending, () => resolve()));
    if (socket.destroyed) return;
  }
}

/**
 * Moves a connection whose parser failed on `LIST` to a new relay. False when it cannot (Node's
 * listeners are not the ones expected), and the caller answers 400 as before.
 */
function takeOver(host: Host, source: Duplex, err: ParseError, at: number): boolean {
  const owned = nodeListeners(source);
  if (!owned) return false;
  const raw = source instanceof ListConnection ? source.raw : (source as Socket);
  let relay = relays.get(raw);
  if (!relay) {
    // Adding a `data` listener makes Node stop feeding the socket to its native parser.
    relay = new Relay(raw);
    relays.set(raw, relay);
  }
  for (const [event, listener] of owned) source.removeListener(event, listener);
  retired.add(source);
  if (source instanceof ListConnection) {
    relay.previous = source;
    relay.conn = undefined;
  }

  const handover = new Handover(host, relay, { code: err.code, message: err.message });
  relay.sink = handover.take;
  handover.take(err.rawPacket!.subarray(at));
  // A relay may hold bytes its parser had not reached yet; they follow the LIST.
  if (source instanceof ListConnection) {
    for (let chunk = source.read() as Buffer | null; chunk !== null; chunk = source.read() as Buffer | null) handover.take(chunk);
  }
  void whenIdle(source).then(() => handover.begin(source));
  return true;
}

/**
 * One LIST's way onto a new relay: rewrites the bytes as they arrive, holds them until the
 * responses owed before it are written, then starts the relay. It keeps no parse error and no
 * earlier relay: an error's stack holds the functions it was thrown through (an earlier
 * handover's among them), so keeping one would chain every LIST of a keep-alive connection.
 */
class Handover {
  private readonly line = new ListLine();
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private refused = false;
  private conn: ListConnection | undefined;

  constructor(
    private readonly host: Host,
    private readonly relay: Relay,
    private readonly refusal: { code?: string; message: string },
  ) {}

  readonly take = (chunk: Buffer): void => {
    if (this.refused) return;
    const out = this.line.feed(chunk);
    if (!out) {
      this.refused = true;
      this.relay.sink = () => undefined;
      this.host.refuse(Object.assign(new Error(this.refusal.message), this.refusal), this.relay.raw);
    } else if (this.conn) {
      this.conn.feed(out);
    } else {
      this.pending.push(...out);
      this.pendingBytes += chunk.length;
      if (this.pendingBytes > MAX_PENDING) this.relay.raw.pause();
    }
  };

  begin(source: Duplex): void {
    const { relay } = this;
    if (this.refused || relay.raw.destroyed) return;
    if (source instanceof ListConnection) {
      source.retire();
      relay.previous = undefined;
    }
    const conn = new ListConnection(relay.raw);
    this.conn = conn;
    relay.conn = conn;
    this.host.awaitList(conn);
    this.host.server.emit('connection', conn);
    conn.feed(this.pending);
    this.pending = [];
    if (relay.ended) conn.push(null);
    relay.raw.resume();
  }
}
