import type { PipeTransform } from '@nestjs/common';
import { Validator } from '@seriousme/openapi-schema-validator';
import { LoginDto } from './dto/auth.dto';
import {
  CIPHER_BODY,
  DECAPS_BODY,
  DECRYPT_BODY,
  ECDH_BODY,
  EXDSA_BODY,
  EXDSA_VERIFY_BODY,
  HMAC_BODY,
  HMAC_VERIFY_BODY,
  MLDSA_BODY,
  MLDSA_VERIFY_BODY,
  USE_BODY,
  WRAP_BODY,
} from './dto/crypto.dto';
import { CreateKeyDto, DeriveKeyDto, ImportKeyDto, SearchDto, UpdateKeyDto } from './dto/keymgmt.dto';
import { HEM_BODY } from './dto/rules';
import { HemError } from './hem-error';
import { encedoOpenApi } from './openapi';

const KID = '0123456789abcdef0123456789abcdef';
const b64 = (n: number) => Buffer.alloc(n, 7).toString('base64');
const PEER = { kid: KID, ext_kid: KID, pubkey: b64(32) };
const NEW_KEY = { label: 'probe', type: 'AES256', mode: 'probe', descr: b64(8) };

/** A body pipe: a field table as it is, a DTO through the pipe of the key-management routes. */
const dtoPipe = (metatype: abstract new () => unknown): PipeTransform => ({ transform: (v: unknown) => HEM_BODY.transform(v, { type: 'body', metatype: metatype as never }) });

/**
 * Each documented body's route, the pipe its controller runs, and a body that pipe accepts with
 * every field the route reads (modes that read every field: ECB decrypt ignores iv and tag, so a
 * dropped one is accepted, as the document says; their GCM rule is in their description).
 */
const BODIES: Record<string, { pipe: PipeTransform; body: Record<string, unknown> }> = {
  '/api/auth/token': { pipe: dtoPipe(LoginDto), body: { auth: 'a.b.c' } },
  '/api/keymgmt/create': { pipe: dtoPipe(CreateKeyDto), body: NEW_KEY },
  '/api/keymgmt/import': { pipe: dtoPipe(ImportKeyDto), body: { ...NEW_KEY, type: 'ED25519', pubkey: b64(32) } },
  '/api/keymgmt/derive': { pipe: dtoPipe(DeriveKeyDto), body: { ...NEW_KEY, ...PEER } },
  '/api/keymgmt/search': { pipe: dtoPipe(SearchDto), body: { descr: `^${b64(6)}`, offset: 0, limit: '3' } },
  '/api/keymgmt/update': { pipe: dtoPipe(UpdateKeyDto), body: { kid: KID, label: 'probe', descr: b64(4) } },
  '/api/crypto/ecdh': { pipe: ECDH_BODY, body: { ...PEER, alg: 'SHA2-256' } },
  '/api/crypto/hmac/hash': { pipe: HMAC_BODY, body: { ...PEER, msg: b64(5), alg: 'SHA2-256' } },
  '/api/crypto/hmac/verify': { pipe: HMAC_VERIFY_BODY, body: { ...PEER, msg: b64(5), alg: 'SHA2-256', mac: b64(32) } },
  '/api/crypto/exdsa/sign': { pipe: EXDSA_BODY, body: { kid: KID, alg: 'Ed25519ctx', msg: b64(5), ctx: b64(3) } },
  '/api/crypto/exdsa/verify': { pipe: EXDSA_VERIFY_BODY, body: { kid: KID, alg: 'Ed25519ctx', msg: b64(5), ctx: b64(3), sign: b64(64) } },
  '/api/crypto/cipher/encrypt': { pipe: CIPHER_BODY, body: { ...PEER, alg: 'AES256-GCM', msg: b64(5), aad: b64(4), ctx: b64(3) } },
  '/api/crypto/cipher/decrypt': { pipe: DECRYPT_BODY, body: { ...PEER, alg: 'AES256-ECB', msg: b64(16), aad: b64(4), ctx: b64(3), iv: b64(16), tag: b64(16) } },
  '/api/crypto/cipher/wrap': { pipe: WRAP_BODY, body: { ...PEER, alg: 'AES256', msg: b64(16), iv: b64(8), ctx: b64(3) } },
  '/api/crypto/cipher/unwrap': { pipe: WRAP_BODY, body: { ...PEER, alg: 'AES256', msg: b64(24), iv: b64(8), ctx: b64(3) } },
  '/api/crypto/pqc/mlkem/encaps': { pipe: USE_BODY, body: { kid: KID } },
  '/api/crypto/pqc/mlkem/decaps': { pipe: DECAPS_BODY, body: { kid: KID, ct: b64(768) } },
  '/api/crypto/pqc/mldsa/sign': { pipe: MLDSA_BODY, body: { kid: KID, msg: b64(5), ctx: b64(3) } },
  '/api/crypto/pqc/mldsa/verify': { pipe: MLDSA_VERIFY_BODY, body: { kid: KID, msg: b64(5), ctx: b64(3), sign: b64(2420) } },
};

/** The pipe's verdict: null when it accepts the body, else the HEM status it refuses it with. */
async function verdict(pipe: PipeTransform, body: Record<string, unknown>): Promise<number | null> {
  try {
    await pipe.transform(body, { type: 'body' });
    return null;
  } catch (err) {
    if (err instanceof HemError) return err.status;
    throw err;
  }
}

type Doc = { paths: Record<string, Record<string, { requestBody?: { content: Record<string, { schema: { properties?: object; required?: string[] } }> } }>> };

describe('the Encedo HEM OpenAPI document', () => {
  const doc = encedoOpenApi('0.0.0-test') as Doc;
  const bodies = Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.values(item).flatMap((op) => (op.requestBody ? [{ path, schema: op.requestBody.content['application/json'].schema }] : [])),
  );

  it('has a probe here for every documented JSON body but the check-in stub, which takes any', () => {
    expect(bodies.map((b) => b.path).sort()).toEqual([...Object.keys(BODIES), '/api/system/checkin'].sort());
  });

  it.each(Object.keys(BODIES))('%s: documents exactly the fields its pipe reads, required as the pipe requires them', async (path) => {
    const { pipe, body } = BODIES[path];
    const schema = bodies.find((b) => b.path === path)!.schema;
    expect(Object.keys(schema.properties ?? {}).sort()).toEqual(Object.keys(body).sort());
    expect(await verdict(pipe, body)).toBeNull();
    for (const field of Object.keys(body)) {
      const { [field]: _dropped, ...rest } = body;
      const refused = await verdict(pipe, rest);
      expect({ field, refused }).toEqual({ field, refused: schema.required?.includes(field) ? 400 : null });
    }
  });

  it('is valid OpenAPI 3.1', async () => {
    const result = await new Validator().validate(doc);
    expect(result.errors).toBeUndefined();
    expect(result.valid).toBe(true);
  });
});
