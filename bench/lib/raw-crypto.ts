import { createCipheriv, createDecipheriv, createHmac, diffieHellman, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';

/**
 * The crypto limit: one thread doing the scenario's operation back to back with node:crypto, key
 * objects parsed once, synchronous calls (no thread pool). Run as its own process:
 * `node raw-crypto.js <op> <seconds>` prints `{op, ops, seconds, rate}`.
 */
export const RAW_OPS = ['aes-256-gcm-encrypt', 'aes-256-gcm-decrypt', 'es256-sign', 'ecdsa-p256-der-sign', 'rs256-sign', 'hmac-sha256', 'x25519-ecdh'] as const;
export type RawOp = (typeof RAW_OPS)[number];

function operation(op: RawOp): () => unknown {
  const data = randomBytes(64);
  const aes = randomBytes(32);
  switch (op) {
    case 'aes-256-gcm-encrypt':
      return () => {
        const c = createCipheriv('aes-256-gcm', aes, randomBytes(12));
        return [c.update(data), c.final(), c.getAuthTag()];
      };
    case 'aes-256-gcm-decrypt': {
      const iv = randomBytes(12);
      const c = createCipheriv('aes-256-gcm', aes, iv);
      const ct = Buffer.concat([c.update(data), c.final()]);
      const tag = c.getAuthTag();
      return () => {
        const d = createDecipheriv('aes-256-gcm', aes, iv);
        d.setAuthTag(tag);
        return [d.update(ct), d.final()];
      };
    }
    case 'es256-sign':
    case 'ecdsa-p256-der-sign': {
      const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
      const dsaEncoding = op === 'es256-sign' ? 'ieee-p1363' : 'der';
      return () => sign('sha256', data, { key: privateKey, dsaEncoding });
    }
    case 'rs256-sign': {
      const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
      return () => sign('sha256', data, privateKey);
    }
    case 'hmac-sha256':
      return () => createHmac('sha256', aes).update(data).digest();
    case 'x25519-ecdh': {
      const mine = generateKeyPairSync('x25519').privateKey;
      const peer: KeyObject = generateKeyPairSync('x25519').publicKey;
      return () => diffieHellman({ privateKey: mine, publicKey: peer });
    }
  }
}

function main(): void {
  const op = process.argv[2] as RawOp;
  const seconds = Number(process.argv[3] ?? 3);
  if (!RAW_OPS.includes(op)) throw new Error(`unknown op ${op}; one of ${RAW_OPS.join(', ')}`);
  const fn = operation(op);
  // Warm-up: a tenth of the time.
  const warmEnd = performance.now() + seconds * 100;
  while (performance.now() < warmEnd) for (let i = 0; i < 16; i++) fn();
  let ops = 0;
  const start = performance.now();
  const end = start + seconds * 1000;
  let now = start;
  while (now < end) {
    for (let i = 0; i < 16; i++) fn();
    ops += 16;
    now = performance.now();
  }
  const took = (now - start) / 1000;
  process.stdout.write(`${JSON.stringify({ op, ops, seconds: took, rate: ops / took })}\n`);
}

if (require.main === module) main();
