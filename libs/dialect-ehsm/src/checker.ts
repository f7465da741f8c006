import { DIGESTS, KEYSPECS, MESSAGE_TYPES, ORIGINS, PADDINGS, PURPOSES } from './keyspecs';
import { badRequest } from './envelope';

/**
 * Payload validation, as `payload_checker.js` at 3454cac does it: per action, fields in table
 * order, first failure wins, with the vendor's exact texts (typos included: clients match them).
 */
type Rule = (
  | { type: 'string'; required: boolean; min?: number; max?: number; regex?: RegExp }
  | { type: 'base64'; required: boolean; min?: number; max?: number }
  | { type: 'int'; required: boolean; min?: number; max?: number }
  | { type: 'const'; required: boolean; values: readonly string[] }
) & {
  /** Other names clients send for this field (first present wins); see fieldValue. */
  aliases?: readonly string[];
};

/** Base64 characters of n bytes. */
const b64Length = (n: number) => 4 * Math.ceil(n / 3);
/** 6 KiB of data, counted in base64 characters. */
const MAX_DATA = 6 * 1024;
const MAX_B64 = b64Length(MAX_DATA);
/**
 * Decrypt takes whatever Encrypt made of the largest plaintext: SM4-CBC adds up to a block of
 * padding and a 16-byte IV (32 bytes), AES-GCM a 12-byte IV and a 16-byte tag. Upstream allows
 * only 6 KiB + 30, so its Decrypt refuses its own SM4-CBC ciphertext of a 6 KiB plaintext.
 */
const MAX_CIPHERTEXT_B64 = b64Length(MAX_DATA + 32);
/**
 * AsymmetricDecrypt likewise: an SM2 ciphertext (DER C1C3C2) of the largest plaintext carries two
 * coordinates, a 32-byte hash and DER headers (at most 128 bytes); RSA ciphertexts are smaller.
 */
const MAX_ASYM_CIPHERTEXT_B64 = b64Length(MAX_DATA + 128);

const keyid: Rule = { type: 'string', required: true, min: 36, max: 36, regex: /^[a-z\d]{8}-[a-z\d]{4}-[a-z\d]{4}-[a-z\d]{4}-[a-z\d]{12}$/ };
const aad: Rule = { type: 'base64', required: false, max: MAX_B64 };
const data = (max = MAX_B64): Rule => ({ type: 'base64', required: true, min: 1, max });
const keylen: Rule = { type: 'int', required: true, min: 1, max: 1024 };
const oneOf = (values: readonly string[]): Rule => ({ type: 'const', required: true, values });
const padding = oneOf(Object.keys(PADDINGS));
const optional = (rule: Rule, aliases?: readonly string[]): Rule => ({ ...rule, required: false, ...(aliases ? { aliases } : {}) });
const secretName: Rule = { type: 'string', required: true, min: 1, max: 64 };
const description: Rule = { type: 'string', required: false, max: 4096 };
const digestMode = oneOf(Object.keys(DIGESTS));
const signFields = { keyid, message: data(), message_type: oneOf(MESSAGE_TYPES), digest_mode: digestMode, padding_mode: padding };
/** The 2023 document's Sign/Verify: `digest` is the data; padding and digest come from the key. */
const digestSignFields = { keyid, digest: data(), digest_mode: optional(digestMode), padding_mode: optional(padding) };

export const RULES: Record<string, Record<string, Rule>> = {
  // `purpose` and the modes are the 2023 document's (its table spells the modes with a space).
  CreateKey: {
    keyspec: { ...oneOf([...KEYSPECS.keys()]), aliases: ['Keyspec'] },
    origin: oneOf(ORIGINS),
    purpose: optional(oneOf(Object.keys(PURPOSES))),
    padding_mode: optional(padding, ['padding mode']),
    digest_mode: optional(digestMode, ['digest mode']),
  },
  Encrypt: { keyid, plaintext: data(), aad },
  Decrypt: { keyid, ciphertext: data(MAX_CIPHERTEXT_B64), aad },
  GenerateDataKey: { keyid, keylen, aad },
  GenerateDataKeyWithoutPlaintext: { keyid, keylen, aad },
  Sign: signFields,
  Verify: { ...signFields, signature: data() },
  'Sign:digest': digestSignFields,
  'Verify:digest': { ...digestSignFields, signature: data() },
  // Required upstream; the 2023 document has no padding_mode here (the key's applies).
  AsymmetricEncrypt: { keyid, plaintext: data(), padding_mode: optional(padding) },
  AsymmetricDecrypt: { keyid, ciphertext: data(MAX_ASYM_CIPHERTEXT_B64), padding_mode: optional(padding) },
  GetPublicKey: { keyid },
  ListKey: {},
  DeleteKey: { keyid },
  DeleteAllKey: {},
  EnableKey: { keyid },
  DisableKey: { keyid },
  // The field is `olddatakey_base` upstream; the docs say `olddatakey`, the Python SDK `old_data_key`.
  ExportDataKey: {
    keyid,
    ukeyid: { type: 'string', required: true, min: 1, max: 8192 },
    aad,
    olddatakey_base: { type: 'string', required: true, aliases: ['olddatakey', 'old_data_key'] },
  },
  GetParametersForImport: { keyid, keyspec: oneOf([...KEYSPECS.keys()]) },
  ImportKeyMaterial: { keyid, padding_mode: padding, key_material: data() },
  // Secret manager (secret_manager_apis.js).
  CreateSecret: {
    secretName,
    secretData: { type: 'string', required: true, min: 1, max: 4096 },
    encryptionKeyId: { ...keyid, required: false },
    description,
    rotationInterval: { type: 'string', required: false, max: 5, regex: /^(\d{1,4}[d,h,m,s]{1})$/ },
  },
  UpdateSecretDesc: { secretName, description },
  PutSecretValue: { secretName, secretData: { type: 'string', required: true, min: 1, max: 4096 } },
  ListSecretVersionIds: { secretName },
  ListSecrets: { secretName: { ...secretName, required: false } },
  DescribeSecret: { secretName },
  DeleteSecret: { secretName, recoveryPeriod: { type: 'int', required: false, min: 1, max: 365 }, forceDelete: { type: 'string', required: false, max: 5 } },
  GetSecretValue: { secretName, versionId: { type: 'int', required: false, min: 1 } },
  RestoreSecret: { secretName },
  // Remote attestation (quote_manager_apis.js).
  GenerateQuote: { challenge: { type: 'base64', required: true, min: 1, max: 4096 } },
  VerifyQuote: {
    quote: { type: 'base64', required: true, min: 1, max: 10924 },
    nonce: { type: 'base64', required: true, min: 1, max: 4096 },
    policyId: { ...keyid, required: false },
  },
  UploadQuotePolicy: { mr_enclave: { type: 'string', required: true, min: 64, max: 64 }, mr_signer: { type: 'string', required: true, min: 64, max: 64 } },
  GetQuotePolicy: { policyId: keyid },
};

/**
 * The rule table of a request: Sign and Verify have two forms, the current one (`message`) and the
 * 2023 document's (`digest`, modes from the key), told apart by which field is present.
 */
export function formOf(action: string, payload: Record<string, unknown> | undefined): string {
  if ((action === 'Sign' || action === 'Verify') && payload && isAbsent(payload.message) && !isAbsent(payload.digest)) return `${action}:digest`;
  return action;
}

/** A field's value under its name or the first alias present. */
export function fieldValue(action: string, payload: Record<string, unknown>, key: string): unknown {
  const rule = RULES[formOf(action, payload)]?.[key];
  if (!isAbsent(payload[key]) || !rule?.aliases) return payload[key];
  for (const alias of rule.aliases) if (!isAbsent(payload[alias])) return payload[alias];
  return payload[key];
}

const isAbsent = (v: unknown) => v === undefined || v === null || v === '';

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
export const isBase64 = (s: string) => s.length > 0 && s.length % 4 === 0 && BASE64.test(s);

/**
 * Throws the vendor's 400 for the first bad field. An absent payload is checked as an empty one
 * (upstream skips the check, and the action then fails on the missing fields deeper down).
 */
export function checkPayload(action: string, payload: unknown): void {
  const p = (payload ?? {}) as Record<string, unknown>;
  const rules = RULES[formOf(action, p)];
  if (!rules) return;
  for (const [key, rule] of Object.entries(rules)) {
    const value = fieldValue(action, p, key);
    const absent = isAbsent(value);
    if (absent) {
      if (rule.required) throw badRequest(`Missing required parameters, The ${key} cannot be empty.`);
      continue;
    }
    const invalid = (what: string) => badRequest(`Parameter invalid, The ${key} ${what}.`);
    switch (rule.type) {
      case 'string':
      case 'base64':
        if (typeof value !== 'string') throw invalid('must be of string type');
        if ((rule.max !== undefined && value.length > rule.max) || (rule.min !== undefined && value.length < rule.min)) throw invalid('length error');
        if (rule.type === 'string' && rule.regex && !rule.regex.test(value)) throw invalid('format wrong');
        if (rule.type === 'base64' && !isBase64(value)) throw invalid('not a vailed base64 string');
        break;
      case 'int':
        if (typeof value !== 'number' || !Number.isInteger(value) || !/^-?[0-9]*$/.test(String(value))) throw invalid('must be of integer type');
        if (rule.max !== undefined && value > rule.max) throw invalid(`value must be less than or equal to ${rule.max}`);
        if (rule.min !== undefined && value < rule.min) throw invalid(`value must be greater than or equal to ${rule.min}`);
        break;
      case 'const':
        if (typeof value !== 'string' || !rule.values.includes(value)) throw invalid('type is incorrect');
        break;
    }
  }
}
