import { createHmac, createPrivateKey, createPublicKey, generateKeyPair, publicEncrypt, privateDecrypt, randomBytes, sign as rsaSign, timingSafeEqual, verify as rsaVerify, constants, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import { Body, Controller, HttpCode, Inject, Logger, Post, Query, type Type } from '@nestjs/common';
import { AuditWriter, Sealer, TenantService, aesGcmDecrypt, aesGcmEncrypt, randomIv } from '@kms/core';
import { type EhsmReply, EhsmFailure, MSG, fail, ok } from '../envelope';
import { enroll } from '../enroll';
import { EHSM_OPTIONS, type EhsmDialectOptions } from '../options';
import { REPLAY_GUARD, type ReplayGuard, ReplayGuardFull, replayKey } from '../replay-guard';
import { signString } from '../sign-string';
import { MAX_CLOCK_SKEW_MS } from '../auth';
import { V1_KEYSPECS, V1_ORIGINS, type V1Key, openV1, sealV1 } from './v1-blob';

const DIALECT = 'ehsm-v1';
const NOT_FOUND = 'Not Fount'; // sic, ehsm_kms_server.js@1b35bd1
const MAX_LENGTH = 8192;
const GCM_IV = 12;
const GCM_TAG = 16;
/** The v1 core's limits (ehsm_napi.cpp@1b35bd1): 6 KiB of data, 256-character digests. */
const MAX_PLAINTEXT = 6 * 1024;
const MAX_DIGEST = 256;
/** RSA-3072 OAEP-SHA256: k − 2·hLen − 2. */
const MAX_RSA_PLAINTEXT = 384 - 2 * 32 - 2;
const generateRsa = promisify(generateKeyPair);

type V1Rule =
  | { type: 'string'; required: boolean; min?: number; max?: number }
  | { type: 'int'; required: boolean; min: number; max: number }
  | { type: 'const'; required: boolean; values: readonly string[]; errortext: string };

const str = (max = MAX_LENGTH, required = true): V1Rule => ({ type: 'string', required, min: 1, max });
const cmk_base64 = str();
const aad: V1Rule = { type: 'string', required: false, max: 32 };
const keylen: V1Rule = { type: 'int', required: true, min: 1, max: 1024 };

/** `ehsm_kms_params.js` at 1b35bd1, field for field. */
const V1_RULES: Record<string, Record<string, V1Rule>> = {
  CreateKey: {
    keyspec: { type: 'const', required: true, values: V1_KEYSPECS, errortext: 'The keyspec type is incorrect' },
    origin: { type: 'const', required: true, values: V1_ORIGINS, errortext: 'The origin type is incorrect' },
  },
  Encrypt: { cmk_base64, plaintext: str(), aad },
  Decrypt: { cmk_base64, ciphertext: str(), aad },
  GenerateDataKey: { cmk_base64, keylen, aad },
  GenerateDataKeyWithoutPlaintext: { cmk_base64, keylen, aad },
  Sign: { cmk_base64, digest: str() },
  Verify: { cmk_base64, digest: str(), signature_base64: str() },
  AsymmetricEncrypt: { cmk_base64, plaintext: str() },
  AsymmetricDecrypt: { cmk_base64, ciphertext_base64: str() },
  ExportDataKey: { cmk_base64, ukey_base64: str(), aad, olddatakey_base: str() },
};

const bad = (message: string) => new EhsmFailure(400, message);
const serverException = () => new EhsmFailure(500, MSG.serverException);

/** `_checkPayload` of function.js@1b35bd1, with its texts; a falsy optional value is not checked. */
function checkV1Payload(action: string, payload: Record<string, unknown>): void {
  for (const [key, rule] of Object.entries(V1_RULES[action] ?? {})) {
    const v = payload[key];
    if (!v) {
      if (rule.required) throw bad('Missing required parameters');
      continue;
    }
    if (rule.type === 'string') {
      if (typeof v !== 'string') throw bad(`${key} must be of string type`);
      if ((rule.max && v.length > rule.max) || (rule.min && v.length < rule.min)) throw bad(`${key} length error`);
    } else if (rule.type === 'int') {
      if (!Number.isInteger(v)) throw bad(`${key} must be of integer type`);
      if ((v as number) > rule.max || (v as number) < rule.min) throw bad(`${key} must be between ${rule.min} and ${rule.max}`);
    } else if (!rule.values.includes(v as string)) {
      throw bad(rule.errortext);
    }
  }
}

interface V1Call {
  appid: string;
  tenantId: string;
  payload: Record<string, unknown>;
  sealer: Sealer;
}

type V1Handler = (c: V1Call) => Promise<EhsmReply>;

const b64 = (b: Buffer) => b.toString('base64');
const text = (v: unknown) => (typeof v === 'string' ? Buffer.from(v, 'utf8') : Buffer.alloc(0));

function aesKey(c: V1Call): Buffer {
  const k = openV1(c.sealer, c.appid, c.payload.cmk_base64 as string);
  if (k.keyspec !== 'EH_AES_GCM_128') throw serverException();
  return k.material;
}

function rsaKey(c: V1Call, field = 'cmk_base64'): KeyObject {
  const k: V1Key = openV1(c.sealer, c.appid, c.payload[field] as string);
  if (k.keyspec !== 'EH_RSA_3072') throw serverException();
  return createPrivateKey({ key: k.material, format: 'der', type: 'pkcs8' });
}

/** AES-128-GCM, `ct ‖ iv(12) ‖ tag(16)`; plaintext and aad are the raw strings (v1). */
function gcmSeal(key: Buffer, plaintext: Buffer, aadText: unknown): Buffer {
  const iv = randomIv(GCM_IV);
  const r = aesGcmEncrypt(key, iv, plaintext, text(aadText));
  return Buffer.concat([r.ciphertext, iv, r.tag]);
}

function gcmOpen(key: Buffer, blob: Buffer, aadText: unknown, failure: string): Buffer {
  if (blob.length < GCM_IV + GCM_TAG) throw bad("The ciphertext's length is invalid.");
  try {
    return aesGcmDecrypt(key, blob.subarray(-GCM_IV - GCM_TAG, -GCM_TAG), blob.subarray(0, -GCM_IV - GCM_TAG), blob.subarray(-GCM_TAG), text(aadText));
  } catch {
    throw bad(failure);
  }
}

const oaep = (key: KeyObject) => ({ key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' });

const V1_ACTIONS: Record<string, V1Handler> = {
  async CreateKey(c) {
    const { keyspec, origin } = c.payload as { keyspec: string; origin: string };
    // The v1 enclave made only these two, and only internally; everything else failed there.
    if (origin !== 'EH_INTERNAL_KEY') throw serverException();
    let material: Buffer;
    if (keyspec === 'EH_AES_GCM_128') material = randomBytes(16);
    else if (keyspec === 'EH_RSA_3072') material = (await generateRsa('rsa', { modulusLength: 3072 })).privateKey.export({ format: 'der', type: 'pkcs8' });
    else throw serverException();
    try {
      return ok({ cmk_base64: sealV1(c.sealer, c.appid, { keyspec, material }) });
    } finally {
      material.fill(0);
    }
  },
  async Encrypt(c) {
    const plaintext = text(c.payload.plaintext);
    if (plaintext.length > MAX_PLAINTEXT) throw bad("The plaintext's length is invalid.");
    return ok({ ciphertext_base64: b64(gcmSeal(aesKey(c), plaintext, c.payload.aad)) });
  },
  async Decrypt(c) {
    const key = aesKey(c);
    return ok({ plaintext_base64: b64(gcmOpen(key, Buffer.from(c.payload.ciphertext as string, 'base64'), c.payload.aad, MSG.decryptFailed)) });
  },
  async GenerateDataKey(c) {
    const key = aesKey(c);
    const dataKey = randomBytes(c.payload.keylen as number);
    return ok({ plaintext_base64: b64(dataKey), ciphertext_base64: b64(gcmSeal(key, dataKey, c.payload.aad)) });
  },
  async GenerateDataKeyWithoutPlaintext(c) {
    const key = aesKey(c);
    return ok({ ciphertext_base64: b64(gcmSeal(key, randomBytes(c.payload.keylen as number), c.payload.aad)) });
  },
  /** RSASSA-PKCS1-v1_5 with SHA-256 over the raw `digest` string (it is the message, not a hash). */
  async Sign(c) {
    const key = rsaKey(c);
    const digest = text(c.payload.digest);
    if (digest.length > MAX_DIGEST) throw bad("The digest's length is invalid.");
    return ok({ signature_base64: b64(rsaSign('sha256', digest, key)) });
  },
  async Verify(c) {
    const key = rsaKey(c);
    const digest = text(c.payload.digest);
    if (digest.length > MAX_DIGEST) throw bad("The digest's length is invalid.");
    const signature = Buffer.from(c.payload.signature_base64 as string, 'base64');
    if (signature.length !== 384) throw bad("The signature's length is invalid.");
    return ok({ result: rsaVerify('sha256', digest, createPublicKey(key), signature) });
  },
  async AsymmetricEncrypt(c) {
    const key = rsaKey(c);
    const plaintext = text(c.payload.plaintext);
    if (plaintext.length > MAX_RSA_PLAINTEXT) throw bad("The plaintext's length is invalid.");
    return ok({ ciphertext_base64: b64(publicEncrypt(oaep(createPublicKey(key)), plaintext)) });
  },
  async AsymmetricDecrypt(c) {
    const key = rsaKey(c);
    try {
      return ok({ plaintext_base64: b64(privateDecrypt(oaep(key), Buffer.from(c.payload.ciphertext_base64 as string, 'base64'))) });
    } catch {
      throw serverException();
    }
  },
  /** Opens a data key under the AES cmk and re-encrypts it to the RSA `ukey_base64` (OAEP-SHA256). */
  async ExportDataKey(c) {
    const key = aesKey(c);
    const ukey = rsaKey(c, 'ukey_base64');
    const dataKey = gcmOpen(key, Buffer.from(c.payload.olddatakey_base as string, 'base64'), c.payload.aad, 'Failed, Please confirm that your parameters are correct.');
    try {
      return ok({ newdatakey_base64: b64(publicEncrypt(oaep(createPublicKey(ukey)), dataKey)) });
    } finally {
      dataKey.fill(0);
    }
  },
};

/**
 * The v1 (2022-01, `1b35bd1`) eHSM API: stateless CMK blobs that the client keeps, under a
 * configurable prefix. Authentication as v1 did it (nonce := timestamp, signature over
 * {appid, timestamp, payload}, payload always required), minus its bugs: the replay entry is
 * recorded only once the signature verified. Every operation is audited (dialect `ehsm-v1`);
 * no key ever enters the key store.
 */
export function legacyV1Controller(path: string): Type<unknown> {
  @Controller(path.replace(/^\/+/, ''))
  class EhsmV1Controller {
    readonly log = new Logger('ehsm-v1');

    constructor(
      readonly tenants: TenantService,
      readonly audit: AuditWriter,
      readonly sealer: Sealer,
      @Inject(REPLAY_GUARD) readonly replay: ReplayGuard,
      @Inject(EHSM_OPTIONS) readonly options: EhsmDialectOptions,
    ) {}

    @Post()
    @HttpCode(200)
    async post(@Query('Action') action: unknown, @Body() body: unknown): Promise<EhsmReply> {
      const start = performance.now();
      let tenantId: string | null = null;
      let principal: string | null = null;
      let reply: EhsmReply;
      try {
        if (action === 'RA_GET_API_KEY') {
          // Test enrolment upstream (appid = appkey = a timestamp!); here a real random apikey.
          if (this.options.enroll === false) return fail(404, NOT_FOUND);
          const r = await enroll(this.tenants, 'enroll-v1');
          return ok({ appid: r.result.appid, appkey: r.result.apikey }, MSG.nodeOk);
        }
        const caller = await this.authenticate(typeof action === 'string' ? action : '', body);
        tenantId = caller.tenantId;
        principal = caller.appid;
        const handler = typeof action === 'string' && Object.hasOwn(V1_ACTIONS, action) ? V1_ACTIONS[action] : undefined;
        if (!handler) return fail(404, NOT_FOUND);
        try {
          reply = await handler({ ...caller, sealer: this.sealer });
        } catch (err) {
          if (err instanceof EhsmFailure) reply = err.toReply();
          else throw err;
        }
      } catch (err) {
        if (err instanceof EhsmFailure) return err.toReply();
        this.log.error(`POST v1 failed: ${err instanceof Error ? `${err.name}: ${err.message}` : typeof err}`);
        reply = fail(500, MSG.internal);
        if (!tenantId) return reply;
      }
      // Authenticated calls only: unauthenticated noise has no tenant to file it under.
      try {
        await this.audit.record({
          at: Date.now(),
          tenantId,
          dialect: DIALECT,
          operation: `v1-${String(action)}`.slice(0, 48),
          keyId: null,
          backend: null,
          outcome: reply.code === 200 ? 'ok' : `ehsm-${reply.code}`,
          latencyUs: Math.round((performance.now() - start) * 1000),
          principal,
          event: reply.code === 200 ? null : reply.message.slice(0, 64),
        });
      } catch {
        return fail(500, MSG.internal);
      }
      return reply;
    }

    async authenticate(action: string, body: unknown): Promise<{ appid: string; tenantId: string; payload: Record<string, unknown> }> {
      const b = (body !== null && typeof body === 'object' ? body : {}) as Record<string, unknown>;
      const { appid, timestamp, sign, payload } = b;
      if (!appid || !timestamp || !sign || !payload) throw bad('Missing required parameters');
      if (typeof appid !== 'string' || typeof timestamp !== 'string' || typeof sign !== 'string' || typeof payload !== 'object') throw bad('param type error');
      if (timestamp.length !== 13) throw bad('Timestamp length error');
      if (!(Math.abs(Date.now() - Number(timestamp)) < MAX_CLOCK_SKEW_MS)) throw bad('Timestamp error');
      // v1: the timestamp is the nonce; one request per appid and millisecond.
      const key = replayKey(appid, `v1:${timestamp}`, timestamp);
      if (await this.replay.seen(key)) throw bad("Timestamp can't be repeated in 20 minutes");
      try {
        checkV1Payload(action, payload as Record<string, unknown>);
      } catch (err) {
        if (err instanceof EhsmFailure) throw err;
        throw bad('Parameter exception');
      }
      let cred;
      try {
        cred = await this.tenants.resolve('ehsm-app', appid);
      } catch {
        throw bad('Appid not found');
      }
      if (!cred || !cred.secret) throw bad('Appid not found');
      const expected = createHmac('sha256', cred.secret).update(signString({ appid, timestamp, payload }), 'utf8').digest('base64');
      if (!same(sign, expected) && !same(sign, expected.toUpperCase())) throw bad('sign error');
      try {
        // Remembered while the timestamp passes the check above; after that the skew refuses a replay.
        if (!(await this.replay.claim(key, Number(timestamp) + MAX_CLOCK_SKEW_MS))) throw bad("Timestamp can't be repeated in 20 minutes");
      } catch (err) {
        if (err instanceof ReplayGuardFull) throw new EhsmFailure(500, MSG.internal);
        throw err;
      }
      return { appid, tenantId: cred.tenantId, payload: payload as Record<string, unknown> };
    }
  }
  return EhsmV1Controller;
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}
