import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { AuditReader } from '@kms/core';
import { makeKmipPki } from './kmip-pki';
import type { KmipLoadSpec } from './kmip-load';
import { encryptRequest } from './kmip-wire';
import { DIST, MAIN, childEnv, cpuSeconds, runInteractive, startMinimal, startServer, sleep, type Server } from './procs';
import type { LoadResult } from './wire';

/**
 * The "KMIP Encrypt AES-GCM 64 B" row: the seed's AES keys by UUID, encrypted through the
 * gateway's KMIP listener (a second start of the bench's gateway on the same data directory, with
 * TLS, a client CA and KMS_KMIP_PORT) and through the minimal node:tls handler
 * (bench/lib/minimal/kmip.ts), each over one TLS connection with one request in flight
 * (kmip-load.ts). The audit rows written must equal the requests answered, and every answer of
 * both must be a successful Encrypt with ciphertext, IV and tag.
 */
export interface KmipRowDeps {
  work: string;
  dataDir: string;
  /** The seed tenant's name (for the admin CLI) and id (for the minimal handler). */
  tenant: string;
  tenantId: string;
  keys: string[];
  /** The keys' AES-256 material (base64), for the minimal handler. */
  material: string[];
  reader: AuditReader;
  nodeArgs: string[];
  workers: string;
  warmS: number;
  measureS: number;
  started: (p: Promise<Server>) => Promise<Server>;
  stop: (s: Server) => Promise<void>;
  log: (msg: string) => void;
}

export interface KmipRow {
  id: string;
  title: string;
  rps: number | null;
  p50: number | null;
  p99: number | null;
  limitKind: string;
  limitRps: number | null;
  ratio: number | null;
  minimalRps: number | null;
  minimalP50: number | null;
  minimalP99: number | null;
  minimalRatio: number | null;
  minimalCores: number;
  target: string;
  pass: boolean | null;
  answered: number;
  auditRows: number;
  auditExpected: number;
  auditOk: boolean;
  failures: string[];
  cores: { gateway: number; load: number };
}

async function settled(reader: AuditReader): Promise<number> {
  let last = await reader.count();
  for (;;) {
    await sleep(200);
    const now = await reader.count();
    if (now === last) return now;
    last = now;
  }
}

/** Warm-up, then the measured requests; the audit rows and CPU are counted around the measured part only. */
async function measure(spec: KmipLoadSpec, pid: number, reader?: AuditReader): Promise<{ res: LoadResult; auditRows: number; cores: number }> {
  let before = 0;
  let cpu0 = 0;
  const res = await runInteractive<LoadResult>('kmip-load.js', JSON.stringify(spec), async (line) => {
    if (!line.startsWith('{"warm"')) return false;
    before = reader ? await settled(reader) : 0;
    cpu0 = cpuSeconds(pid);
    return true;
  });
  const cores = (cpuSeconds(pid) - cpu0) / res.seconds;
  return { res, auditRows: reader ? (await reader.count()) - before : 0, cores };
}

export async function kmipEncryptRow(d: KmipRowDeps): Promise<KmipRow> {
  const pkiDir = join(d.work, 'kmip-pki');
  mkdirSync(pkiDir, { recursive: true });
  const pki = makeKmipPki(pkiDir);
  execFileSync(process.execPath, [join(DIST, 'apps/gateway/src/cli.js'), 'credential', 'kmip', d.tenant, '--cert', pki.clientCert], {
    env: childEnv({ KMS_DATA_DIR: d.dataDir, KMS_LOG_LEVEL: 'warn' }),
    stdio: 'pipe',
  });
  const gw = await d.started(
    startServer(
      [...d.nodeArgs, MAIN],
      {
        NODE_ENV: 'production',
        KMS_PORT: '0',
        KMS_HOST: '127.0.0.1',
        KMS_LOG_LEVEL: 'warn',
        KMS_DATA_DIR: d.dataDir,
        KMS_WORKERS: d.workers,
        KMS_TLS_CERT: pki.serverCert,
        KMS_TLS_KEY: pki.serverKey,
        KMS_TLS_CLIENT_CA: pki.ca,
        KMS_KMIP_PORT: '0',
      },
      /kms-gateway listening on (https:\/\/[\d.]+:\d+)/,
    ),
  );
  const minimal = await d.started(
    startMinimal({
      kmip: {
        cert: pki.serverCert,
        key: pki.serverKey,
        ca: pki.ca,
        clients: [{ fingerprint: pki.clientFingerprint, tenant: d.tenantId }],
        keys: d.keys.map((id, i) => ({ id, tenant: d.tenantId, material: d.material[i] })),
      },
    }),
  );
  try {
    const port = (s: Server, re: RegExp) => Number(re.exec(s.output())?.[1] ?? NaN);
    const gwPort = port(gw, /kms-gateway KMIP listening on [\d.]+:(\d+)/);
    const minimalPort = port(minimal, /minimal kmip listening on port (\d+)/);
    const requests = d.keys.flatMap((id) => Array.from({ length: 5 }, () => encryptRequest(id, randomBytes(64)).toString('base64')));
    const spec = (p: number): KmipLoadSpec => ({
      host: '127.0.0.1',
      port: p,
      ca: pki.ca,
      cert: pki.clientCert,
      key: pki.clientKey,
      requests,
      warmS: d.warmS,
      measureS: d.measureS,
      minAmount: 200,
    });
    d.log('kmip-encrypt: minimal handler');
    const m = await measure(spec(minimalPort), minimal.pid);
    d.log('kmip-encrypt: gateway');
    const g = await measure(spec(gwPort), gw.pid, d.reader);
    const failures = [
      ...(m.res.non2xx ? [`minimal handler: ${m.res.non2xx} failed Encrypt answers`] : []),
      ...(g.res.non2xx ? [`${g.res.non2xx} failed Encrypt answers`] : []),
      ...(g.auditRows !== g.res.answered ? [`audit rows ${g.auditRows} != ${g.res.answered} expected for ${g.res.answered} answered requests`] : []),
    ];
    const minimalRatio = g.res.rps / m.res.rps;
    d.log(
      `kmip-encrypt: ${g.res.rps.toFixed(0)} req/s p99 ${g.res.p99} ms, minimal ${m.res.rps.toFixed(0)} req/s p99 ${m.res.p99} ms (${(minimalRatio * 100).toFixed(0)}%), audit ${g.auditRows}/${g.res.answered}${failures.length ? ` FAIL: ${failures.join('; ')}` : ''}`,
    );
    return {
      id: 'kmip-encrypt',
      title: 'KMIP Encrypt AES-GCM 64 B (one TLS connection, one request in flight)',
      rps: g.res.rps,
      p50: g.res.p50,
      p99: g.res.p99,
      limitKind: 'minimal node:tls KMIP',
      limitRps: m.res.rps,
      ratio: minimalRatio,
      minimalRps: m.res.rps,
      minimalP50: m.res.p50,
      minimalP99: m.res.p99,
      minimalRatio,
      minimalCores: m.cores,
      target: '-',
      pass: null,
      answered: g.res.answered,
      auditRows: g.auditRows,
      auditExpected: g.res.answered,
      auditOk: g.auditRows === g.res.answered,
      failures,
      cores: { gateway: g.cores, load: g.res.loadCores },
    };
  } finally {
    await d.stop(minimal);
    await d.stop(gw);
  }
}
