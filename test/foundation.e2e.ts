import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { OpContext } from '@kms/core';
import { loadConfig } from '../apps/gateway/src/config';
import { createKernel } from '../apps/gateway/src/kernel';
import { TEST_BACKEND, backendEnv, cli, runGatewayExpectingExit, startGateway, tempDir } from './support/server';

/**
 * The foundation through its real surface: the built server on loopback, its SQLite file and
 * master key in a fresh directory, the admin CLI on the same store, and a restart.
 */
describe('gateway start, operations surface and restart', () => {
  const dir = tempDir();
  let keyMaterialBefore: string;

  it('starts with no configuration, serves health, metrics and version', async () => {
    const gw = await startGateway({}, dir);
    try {
      const live = await fetch(`${gw.url}/health/live`);
      expect(live.status).toBe(200);
      expect(await live.json()).toEqual({ status: 'ok' });

      const ready = await fetch(`${gw.url}/health/ready`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toMatchObject({ status: 'ready', checks: { database: { ok: true }, 'backend:soft': { ok: true } } });

      const metrics = await fetch(`${gw.url}/metrics`);
      expect(metrics.headers.get('content-type')).toMatch(/^text\/plain/);
      const text = await metrics.text();
      expect(text).toContain('# TYPE kms_operations_total counter');
      expect(text).toContain('# TYPE kms_operation_duration_seconds histogram');

      const version = await (await fetch(`${gw.url}/version`)).json();
      expect(version).toMatchObject({ name: 'kms-gateway', version: JSON.parse(readFileSync(join(__dirname, '../package.json'), 'utf8')).version });

      expect((await fetch(`${gw.url}/no/such/route`)).status).toBe(404);
      expect(statSync(join(dir, 'master.key')).mode & 0o777).toBe(0o600);
      expect(statSync(join(dir, 'kms.sqlite')).isFile()).toBe(true);
      keyMaterialBefore = readFileSync(join(dir, 'master.key'), 'utf8');
    } finally {
      await gw.stop();
    }
  });

  it('keeps keys, store and master key across a restart', async () => {
    // Create through the admin CLI, on the same store as the server.
    expect((await cli(dir, ['tenant', 'create', 'acme'])).code).toBe(0);
    const aes = (await cli(dir, ['key', 'create', 'acme', 'aes-256'])).json;
    const ec = (await cli(dir, ['key', 'create', 'acme', 'ec-p256'])).json;
    expect(aes).toMatchObject({ spec: 'aes-256', state: 'enabled', backend: TEST_BACKEND });
    expect(ec.publicKey).toEqual(expect.any(String));

    const config = loadConfig({ ...backendEnv(), KMS_DATA_DIR: dir, KMS_LOG_LEVEL: 'silent' });
    let kernel = await createKernel(config);
    const ctx: OpContext = { tenantId: aes.tenantId, dialect: 'test' };
    const plaintext = Buffer.from('survives a restart');
    const sealed = await kernel.keys.encrypt(ctx, aes.id, { alg: 'AES-GCM', plaintext, aad: Buffer.from('ctx') });
    const signature = await kernel.keys.sign(ctx, ec.id, { scheme: 'ECDSA', hash: 'SHA-256' }, plaintext);
    await kernel.close();

    const gw = await startGateway({}, dir);
    try {
      expect((await fetch(`${gw.url}/health/ready`)).status).toBe(200);
      expect(readFileSync(join(dir, 'master.key'), 'utf8')).toBe(keyMaterialBefore);
      const listed = (await cli(dir, ['key', 'list', 'acme'])).json;
      expect(listed.total).toBe(2);
      kernel = await createKernel(config);
      expect(await kernel.keys.decrypt(ctx, aes.id, { alg: 'AES-GCM', ciphertext: sealed.ciphertext, iv: sealed.iv, tag: sealed.tag, aad: Buffer.from('ctx') })).toEqual(plaintext);
      expect(await kernel.keys.verify(ctx, ec.id, { scheme: 'ECDSA', hash: 'SHA-256' }, plaintext, signature)).toBe(true);
      await kernel.close();
    } finally {
      await gw.stop();
    }
    const audit = (await cli(dir, ['audit', '--tenant', 'acme', '--limit', '50'])).json as Array<{ operation: string; outcome: string }>;
    expect(audit.map((a) => a.operation).sort()).toEqual(['create', 'create', 'decrypt', 'encrypt', 'list', 'sign', 'verify'].sort());
    expect(audit.every((a) => a.outcome === 'ok')).toBe(true);
  });

  it('refuses a bad setting with a message that names it', async () => {
    const badPort = await runGatewayExpectingExit({ KMS_DATA_DIR: dir, KMS_PORT: 'eighty' });
    expect(badPort.code).toBe(2);
    expect(badPort.output).toContain('KMS_PORT');

    const badLevel = await runGatewayExpectingExit({ KMS_DATA_DIR: dir, KMS_LOG_LEVEL: 'loud' });
    expect(badLevel.code).toBe(2);
    expect(badLevel.output).toContain('KMS_LOG_LEVEL');

    const yaml = join(dir, 'kms.yaml');
    writeFileSync(yaml, 'http:\n  port: 99999\n');
    const badYaml = await runGatewayExpectingExit({ KMS_DATA_DIR: dir, KMS_CONFIG: yaml, KMS_PORT: '' });
    expect(badYaml.code).toBe(2);
    expect(badYaml.output).toContain('http.port');

    writeFileSync(yaml, 'http:\n  prot: 8080\n');
    const typo = await runGatewayExpectingExit({ KMS_DATA_DIR: dir, KMS_CONFIG: yaml });
    expect(typo.code).toBe(2);
    expect(typo.output).toContain("unknown setting 'http.prot'");

    const badKey = await runGatewayExpectingExit({ KMS_DATA_DIR: dir, KMS_MASTER_KEY: 'c2hvcnQ=' });
    expect(badKey.code).toBe(2);
    expect(badKey.output).toContain('KMS_MASTER_KEY');
  });

  it('reads settings from a YAML file', async () => {
    const yaml = join(dir, 'kms.yaml');
    writeFileSync(yaml, `http:\n  host: 127.0.0.1\nlog:\n  level: warn\ncache:\n  ttlMs: 1000\n`);
    const gw = await startGateway({ KMS_CONFIG: yaml, KMS_LOG_LEVEL: '' }, dir);
    try {
      expect((await fetch(`${gw.url}/health/live`)).status).toBe(200);
    } finally {
      await gw.stop();
      gw.cleanup();
    }
  });
});
