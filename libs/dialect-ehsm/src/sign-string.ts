/**
 * The string eHSM signs (`params_sort_str` in ehsm_kms_service/function.js): keys in JavaScript's
 * default sort order, values that are loosely `== ''` skipped, objects flattened recursively, no
 * escaping. We run in JavaScript too, so String() and Array#sort give the server's exact text.
 */
export function signString(params: Record<string, unknown>, opts: SignStringOptions = {}): string {
  return flatten(params, opts, false);
}

/** The top level (appid, nonce, payload, timestamp) is always sorted, as every sample signs it. */
function flatten(params: Record<string, unknown>, opts: SignStringOptions, nested: boolean): string {
  const parts: string[] = [];
  const keys = Object.keys(params);
  for (const key of opts.keepOrder && nested ? keys : keys.sort()) {
    const value = params[key];
    if (looselyEmpty(value) && !(opts.keepEmptyStrings && value === '')) continue;
    parts.push(`${key}=${typeof value === 'object' ? flatten(value as Record<string, unknown>, opts, true) : jsToString(value)}`);
  }
  return parts.join('&');
}

export interface SignStringOptions {
  /**
   * Emit `key=` for an empty string instead of skipping it. The vendor's own clients do this: the
   * Python SDK (`unquote_plus(urlencode(...))`, whose CLI sends `--aad ""` by default) and the Rust
   * SDK (serde_json Display) sign `aad=&keyid=...`, which the vendor's server never verifies.
   */
  keepEmptyStrings?: boolean;
  /**
   * Visit the payload's keys in the order the client sent them (JSON key order survives parsing,
   * but for integer-like keys, which no action has). The vendor
   * documents' samples build the payload string from an OrderedDict in their own field order,
   * which is not always sorted (v1 Decrypt and the keyid AsymmetricDecrypt sample).
   */
  keepOrder?: boolean;
}

export interface AcceptOptions {
  /**
   * Also accept the string with every space signed as `+`: the v1 document's samples sign
   * `unquote(urlencode(payload))`, and `urlencode` writes a space as `+` that `unquote` keeps.
   */
  plusForSpace?: boolean;
}

/**
 * Every string a client may have signed for these params: the server's own first, then the
 * variants that differ from it, each only when the params hold what makes it differ (so that most
 * requests cost one string): empty strings kept (vendor SDKs), the received key order (document
 * samples), spaces as `+` (v1 samples). Each variant signs the same keys and values: only their
 * order, the presence of empty ones, or ' ' against '+' change, never what is signed otherwise.
 */
export function acceptedSignStrings(params: Record<string, unknown>, opts: AcceptOptions = {}): string[] {
  const canonical = signString(params);
  const kept = hasEmptyString(params);
  const ordered = !keysSorted(params.payload);
  const plus = opts.plusForSpace === true && canonical.includes(' ');
  if (!kept && !ordered && !plus) return [canonical];
  const out = new Set<string>([canonical]);
  for (const keepOrder of ordered ? [false, true] : [false]) {
    for (const keepEmptyStrings of kept ? [false, true] : [false]) {
      const text = signString(params, { keepOrder, keepEmptyStrings });
      out.add(text);
      if (plus) out.add(text.replaceAll(' ', '+'));
    }
  }
  return [...out];
}

/** Whether every object's keys, at every depth, are already in sorted order. */
function keysSorted(v: unknown): boolean {
  if (v === null || typeof v !== 'object') return true;
  const keys = Object.keys(v);
  for (let i = 1; i < keys.length; i++) if (keys[i - 1] > keys[i]) return false;
  for (const x of Object.values(v)) if (!keysSorted(x)) return false;
  return true;
}

/** Whether an empty string appears anywhere in the value (objects and arrays searched). */
function hasEmptyString(v: unknown): boolean {
  if (v === '') return true;
  if (v === null || typeof v !== 'object') return false;
  for (const x of Object.values(v)) if (hasEmptyString(x)) return true;
  return false;
}

/** `v == ''` or `v == null` in JavaScript, for the values JSON can carry. */
function looselyEmpty(v: unknown): boolean {
  if (v === undefined || v === null) return true;
  switch (typeof v) {
    case 'string':
      return v === '';
    case 'number':
      return v === 0;
    case 'boolean':
      return v === false;
    case 'object':
      // An array compares through its join(): [] and [''] and [[]] are "empty"; {} is not.
      return Array.isArray(v) && jsToString(v) === '';
    default:
      return false;
  }
}

/** JavaScript's String() of a JSON value, as upstream's Node code applies it (null and undefined as ''). */
export function jsToString(v: unknown): string {
  switch (typeof v) {
    case 'string':
      return v;
    case 'number':
    case 'boolean':
    case 'bigint':
      return String(v);
    case 'object':
      if (v === null) return '';
      return Array.isArray(v) ? v.map(jsToString).join(',') : '[object Object]';
    default:
      return '';
  }
}
