import { EhsmFailure } from '../envelope';
import { V1_KEYSPECS, V1_ORIGINS } from './v1-blob';

type V1Rule = (
  | { type: 'string'; required: boolean; min?: number; max?: number }
  | { type: 'int'; required: boolean; min: number; max: number }
  | { type: 'const'; required: boolean; values: readonly string[]; errortext: string }
) & {
  /** Other names for the field, first present wins: the document's and v1 code's differ. */
  aliases?: readonly string[];
};

const MAX_LENGTH = 8192;
/** v1's core limit on data (ehsm_napi.cpp@1b35bd1): 6 KiB. */
export const MAX_DATA = 6 * 1024;
const b64Length = (n: number) => 4 * Math.ceil(n / 3);

const str = (max = MAX_LENGTH, required = true): V1Rule => ({ type: 'string', required, min: 1, max });
const cmk_base64 = str();
const aad: V1Rule = { type: 'string', required: false, max: 32 };
const keylen: V1Rule = { type: 'int', required: true, min: 1, max: 1024 };

/**
 * `ehsm_kms_params.js` at 1b35bd1, field for field, with the v1 document's names beside the
 * code's where they differ (Decrypt `ciphertext_base64`, ExportDataKey `olddatakey_base64`; the
 * document's table also spells CreateKey's field `Keyspec`). Ciphertext limits cover what the
 * matching encryption produces from the largest plaintext (upstream's 8192 characters did not:
 * its Decrypt refused the AES ciphertext of a 6 KiB plaintext).
 */
export const V1_RULES: Record<string, Record<string, V1Rule>> = {
  CreateKey: {
    keyspec: { type: 'const', required: true, values: V1_KEYSPECS, errortext: 'The keyspec type is incorrect', aliases: ['Keyspec'] },
    origin: { type: 'const', required: true, values: V1_ORIGINS, errortext: 'The origin type is incorrect' },
  },
  Encrypt: { cmk_base64, plaintext: str(), aad },
  // SM4-CBC adds up to 16 bytes of padding and a 16-byte IV; AES-GCM a 12-byte IV and a 16-byte tag.
  Decrypt: { cmk_base64, ciphertext_base64: { ...str(b64Length(MAX_DATA + 32)), aliases: ['ciphertext'] }, aad },
  GenerateDataKey: { cmk_base64, keylen, aad },
  GenerateDataKeyWithoutPlaintext: { cmk_base64, keylen, aad },
  Sign: { cmk_base64, digest: str() },
  Verify: { cmk_base64, digest: str(), signature_base64: str() },
  AsymmetricEncrypt: { cmk_base64, plaintext: str() },
  // An SM2 ciphertext of the largest plaintext carries at most 128 bytes more (DER C1C3C2).
  AsymmetricDecrypt: { cmk_base64, ciphertext_base64: str(b64Length(MAX_DATA + 128)) },
  ExportDataKey: { cmk_base64, ukey_base64: str(), aad, olddatakey_base64: { ...str(), aliases: ['olddatakey_base'] } },
};

/** A field under its name or the first alias present (falsy counts as absent, as v1 checks). */
export function v1Field(action: string, payload: Record<string, unknown>, key: string): unknown {
  const rule = V1_RULES[action]?.[key];
  if (payload[key] || !rule?.aliases) return payload[key];
  for (const alias of rule.aliases) if (payload[alias]) return payload[alias];
  return payload[key];
}

const bad = (message: string) => new EhsmFailure(400, message);

/** `_checkPayload` of function.js@1b35bd1, with its texts; a falsy optional value is not checked. */
export function checkV1Payload(action: string, payload: Record<string, unknown>): void {
  for (const [key, rule] of Object.entries(V1_RULES[action] ?? {})) {
    const v = v1Field(action, payload, key);
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
