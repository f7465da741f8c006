import { createCipheriv, createHmac, generateKeyPairSync, randomBytes, timingSafeEqual, type KeyObject } from 'node:crypto';
import type { FastifyInstance } from 'fastify-latest';
import { ehsmSortString } from '../wire';
import type { MinimalConfig } from './config';
import { B64, gcmOpen, iv12, newestFirst, signAsync } from './common';

/**
 * eHSM by hand: one URL, `POST /ehsm?Action=<Name>`, a body signed with HMAC-SHA256 under the
 * app's apikey over the sorted, flattened parameters (the string the bench's client signs), a
 * ±10 minute timestamp window and a replay set of (appid, nonce, timestamp); HTTP 200 always,
 * `code` says how it went. Encrypt and GenerateDataKey seal with AES-256-GCM (ct ‖ iv ‖ tag),
 * Decrypt opens it (a rotated key's versions tried newest first), Sign is ECDSA P-256 over
 * SHA-256 (DER) on libuv's pool.
 */
const GCM_TAIL = 12 + 16;
const WINDOW_MS = 10 * 60 * 1000;
const MAX_REMEMBERED = 1_000_000;
const MAX_DATA_B64 = 8192;

type Reply = { code: number; message: string; result: Record<string, unknown> };
const ok = (result: Record<string, unknown>): Reply => ({ code: 200, message: 'success!', result });
const fail = (code: number, message: string): Reply => ({ code, message, result: {} });

const isB64 = (v: unknown, max = MAX_DATA_B64): v is string => typeof v === 'string' && v.length > 0 && v.length <= max && v.length % 4 === 0 && B64.test(v);

export function ehsmRoutes(app: FastifyInstance, cfg: NonNullable<MinimalConfig['ehsm']>): void {
  const apikeys = new Map(cfg.apps.map((a) => [a.appid, a.apikey]));
  /** Each AES key's versions, newest (current) first. */
  const aesKeys = new Map<string, Buffer[]>();
  const ecKeys = new Map<string, KeyObject>();
  for (const k of cfg.keys) {
    if (k.kind === 'aes-256') aesKeys.set(k.keyid, k.versions ? newestFirst(k.versions) : [randomBytes(32)]);
    else ecKeys.set(k.keyid, generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey);
  }
  const aesKey = (keyid: unknown) => (typeof keyid === 'string' ? aesKeys.get(keyid) : undefined);
  const aadOf = (aad: unknown) => (typeof aad === 'string' && aad !== '' ? Buffer.from(aad, 'base64') : null);

  // Accepted requests, until their timestamp leaves the window (a replay is refused by the window
  // then), in one set per minute of expiry so that forgetting them is dropping a set.
  const accepted = new Map<number, Set<string>>();
  let remembered = 0;
  const seen = (key: string) => {
    for (const set of accepted.values()) if (set.has(key)) return true;
    return false;
  };
  setInterval(() => {
    const minute = Math.floor(Date.now() / 60_000);
    for (const [m, set] of accepted) {
      if (m >= minute) continue;
      remembered -= set.size;
      accepted.delete(m);
    }
  }, 10_000).unref();

  /** The refusal of a request that does not authenticate, or null (then its payload is an object). */
  function refusal(b: Record<string, unknown>): Reply | null {
    const { appid, nonce, timestamp, sign, payload } = b;
    if (typeof appid !== 'string' || typeof timestamp !== 'string' || typeof sign !== 'string' || typeof payload !== 'object' || payload === null) {
      return fail(400, 'Missing required parameters');
    }
    if (timestamp.length !== 13 || !(Math.abs(Date.now() - Number(timestamp)) < WINDOW_MS)) return fail(400, 'Timestamp error');
    const apikey = apikeys.get(appid);
    if (apikey === undefined) return fail(400, 'Appid not found');
    const expected = createHmac('sha256', apikey).update(ehsmSortString({ appid, nonce, timestamp, payload }), 'utf8').digest();
    const got = Buffer.from(sign, 'base64');
    if (got.length !== expected.length || !timingSafeEqual(got, expected)) return fail(400, 'sign error');
    const key = `${appid}\u0000${typeof nonce === 'string' ? nonce : ''}\u0000${timestamp}`;
    if (seen(key)) return fail(400, "Timestamp can't be repeated in 20 minutes");
    if (remembered >= MAX_REMEMBERED) return fail(500, 'Server internal error');
    const minute = Math.floor((Number(timestamp) + WINDOW_MS) / 60_000);
    let set = accepted.get(minute);
    if (!set) accepted.set(minute, (set = new Set()));
    set.add(key);
    remembered++;
    return null;
  }

  /** AES-256-GCM: ciphertext ‖ iv ‖ tag. */
  function seal(key: Buffer, plaintext: Buffer, aad: unknown): Buffer {
    const iv = iv12();
    const c = createCipheriv('aes-256-gcm', key, iv);
    const a = aadOf(aad);
    if (a) c.setAAD(a);
    const ct = c.update(plaintext);
    c.final();
    return Buffer.concat([ct, iv, c.getAuthTag()]);
  }

  const actions: Record<string, (p: Record<string, unknown>) => Reply | Promise<Reply>> = {
    Encrypt(p) {
      const key = aesKey(p.keyid);
      if (!key) return fail(400, 'keyid error');
      if (!isB64(p.plaintext) || (p.aad !== undefined && p.aad !== '' && !isB64(p.aad))) return fail(400, 'Parameter invalid');
      return ok({ ciphertext: seal(key[0], Buffer.from(p.plaintext, 'base64'), p.aad).toString('base64') });
    },

    Decrypt(p) {
      const key = aesKey(p.keyid);
      if (!key) return fail(400, 'keyid error');
      if (!isB64(p.ciphertext) || (p.aad !== undefined && p.aad !== '' && !isB64(p.aad))) return fail(400, 'Parameter invalid');
      const blob = Buffer.from(p.ciphertext, 'base64');
      const plaintext = blob.length < GCM_TAIL ? null : gcmOpen(key, blob.subarray(-GCM_TAIL, -16), blob.subarray(0, -GCM_TAIL), blob.subarray(-16), aadOf(p.aad));
      if (!plaintext) return fail(400, 'Decryption failed');
      return ok({ plaintext: plaintext.toString('base64') });
    },

    GenerateDataKey(p) {
      const key = aesKey(p.keyid);
      if (!key) return fail(400, 'keyid error');
      const len = p.keylen;
      if (typeof len !== 'number' || !Number.isInteger(len) || len < 1 || len > 1024) return fail(400, 'Parameter invalid');
      const dataKey = randomBytes(len);
      const ciphertext = seal(key[0], dataKey, p.aad).toString('base64');
      const plaintext = dataKey.toString('base64');
      dataKey.fill(0);
      return ok({ plaintext, ciphertext });
    },

    async Sign(p) {
      const key = typeof p.keyid === 'string' ? ecKeys.get(p.keyid) : undefined;
      if (!key) return fail(400, 'keyid error');
      if (!isB64(p.message) || p.message_type !== 'EH_RAW' || p.digest_mode !== 'EH_SHA_256') return fail(400, 'Parameter invalid');
      const signature = await signAsync('sha256', Buffer.from(p.message, 'base64'), { key, dsaEncoding: 'der' });
      return ok({ signature: signature.toString('base64') });
    },
  };

  app.post('/ehsm', async (req) => {
    const action = (req.query as { Action?: string }).Action;
    const handler = action !== undefined && Object.hasOwn(actions, action) ? actions[action] : undefined;
    if (!handler) return fail(404, 'API Not Found');
    const body = (req.body ?? {}) as Record<string, unknown>;
    return refusal(body) ?? handler(body.payload as Record<string, unknown>);
  });
}
