import { connect, type Socket } from 'node:net';

export interface RawResponse {
  status: number;
  /** Header names in lower case. */
  headers: Record<string, string>;
  body: string;
  json: any;
}

export interface RawExchange {
  responses: RawResponse[];
  /** Whether the server closed the connection before the exchange ended. */
  closed: boolean;
}

/** An open loopback connection that sends bytes exactly as told and reads the answers. */
export class RawConnection {
  private readonly socket: Socket;
  private buffer = Buffer.alloc(0);
  private readonly parsed: RawResponse[] = [];
  private closedByServer = false;
  private wake: () => void = () => undefined;
  readonly ready: Promise<void>;

  constructor(url: string) {
    const { hostname, port } = new URL(url);
    this.socket = connect(Number(port), hostname);
    this.socket.setNoDelay(true);
    this.ready = new Promise((resolve, reject) => {
      this.socket.once('connect', resolve);
      this.socket.once('error', reject);
    });
    this.socket.on('data', (chunk: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      this.parse();
      this.wake();
    });
    this.socket.on('error', () => undefined);
    this.socket.on('close', () => {
      this.closedByServer = true;
      this.wake();
    });
  }

  get closed(): boolean {
    return this.closedByServer;
  }

  /** Writes each chunk as its own TCP packet, `gapMs` apart (Nagle off, so they are not merged). */
  async send(chunks: Array<string | Buffer>, gapMs = 0): Promise<void> {
    await this.ready;
    for (const [i, chunk] of chunks.entries()) {
      if (i > 0 && gapMs > 0) await new Promise((r) => setTimeout(r, gapMs));
      await new Promise<void>((resolve) => this.socket.write(chunk, () => resolve()));
    }
  }

  /** Waits for `count` responses in all (or the server closing, or `timeoutMs`). */
  async responses(count: number, timeoutMs = 5000): Promise<RawResponse[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.parsed.length < count && !this.closedByServer && Date.now() < deadline) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(1, deadline - Date.now()));
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    return [...this.parsed];
  }

  /** Resolves true once the server closed the connection, false after `timeoutMs`. */
  async whenClosed(timeoutMs = 5000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closedByServer && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    return this.closedByServer;
  }

  /** Bytes received that are not (yet) a whole response. */
  get leftover(): string {
    return this.buffer.toString('latin1');
  }

  end(): void {
    this.socket.destroy();
  }

  private parse(): void {
    for (;;) {
      const headEnd = this.buffer.indexOf('\r\n\r\n');
      if (headEnd < 0) return;
      const [statusLine, ...lines] = this.buffer.subarray(0, headEnd).toString('latin1').split('\r\n');
      const headers: Record<string, string> = {};
      for (const line of lines) {
        const colon = line.indexOf(':');
        headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
      }
      const length = Number(headers['content-length'] ?? 0);
      if (this.buffer.length < headEnd + 4 + length) return;
      const body = this.buffer.subarray(headEnd + 4, headEnd + 4 + length).toString('utf8');
      this.buffer = this.buffer.subarray(headEnd + 4 + length);
      let json: unknown = null;
      try {
        json = body ? JSON.parse(body) : null;
      } catch {
        // not JSON: the caller reads body
      }
      this.parsed.push({ status: Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1] ?? 0), headers, body, json });
    }
  }
}

/** One connection: sends the chunks, collects `count` responses, then waits briefly for a close. */
export async function rawExchange(url: string, chunks: Array<string | Buffer>, count: number, gapMs = 0): Promise<RawExchange> {
  const conn = new RawConnection(url);
  try {
    await conn.send(chunks, gapMs);
    const responses = await conn.responses(count);
    if (responses.length === count) await conn.whenClosed(100);
    return { responses, closed: conn.closed };
  } finally {
    conn.end();
  }
}

/** A request as bytes: `method target HTTP/1.1`, a Host header, the headers given and a body. */
export function rawRequest(method: string, target: string, headers: Record<string, string> = {}, body = ''): string {
  const lines = [`${method} ${target} HTTP/1.1`, 'Host: localhost', ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)];
  if (body) lines.push(`Content-Length: ${Buffer.byteLength(body)}`);
  return `${lines.join('\r\n')}\r\n\r\n${body}`;
}
