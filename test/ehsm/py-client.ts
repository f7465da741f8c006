import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

/**
 * Drives test/ehsm/client.py (the independent eHSM client, standard library only) as one
 * long-lived Python process: a JSON request per line in, a JSON answer per line out.
 */
export interface Reply {
  code: number;
  message: string;
  result: any;
}
export interface PyRequest {
  action: string;
  /** Build, sign and order the body as that vendor SDK does (client.py). */
  style?: 'python-sdk' | 'go' | 'rust';
  method?: 'GET' | 'POST';
  path?: string;
  appid?: string;
  apikey?: string;
  payload?: unknown;
  nonce?: unknown;
  timestamp?: string;
  sign?: string;
  upper?: boolean;
  raw?: string;
  override?: Record<string, unknown>;
  v1?: boolean;
}
export interface App {
  appid: string;
  apikey: string;
}

/** One long-lived Python process: a JSON request per line in, a JSON answer per line out. */
export class PyClient {
  private readonly proc: ChildProcessWithoutNullStreams;
  private readonly waiting: Array<(line: string) => void> = [];
  private stderr = '';

  constructor(private readonly base: string) {
    this.proc = spawn('python3', [join(__dirname, 'client.py'), '--serve'], { stdio: 'pipe' });
    createInterface({ input: this.proc.stdout }).on('line', (line) => this.waiting.shift()?.(line));
    this.proc.stderr.on('data', (c: Buffer) => (this.stderr += c.toString()));
  }

  async raw(req: PyRequest): Promise<{ status: number; body: Reply | null; text: string }> {
    const line = await new Promise<string>((resolve) => {
      this.waiting.push(resolve);
      this.proc.stdin.write(`${JSON.stringify({ base: this.base, ...req })}\n`);
    });
    const out = JSON.parse(line);
    if (out.status === 0) throw new Error(`${out.text}\n${this.stderr}`);
    return out;
  }

  /** The eHSM reply, asserting HTTP 200 (the vendor's transport never says anything else). */
  async call(req: PyRequest): Promise<Reply> {
    const out = await this.raw(req);
    expect(out.status).toBe(200);
    expect(out.body).not.toBeNull();
    return out.body!;
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.proc.once('exit', () => resolve());
      this.proc.stdin.end();
    });
  }
}
