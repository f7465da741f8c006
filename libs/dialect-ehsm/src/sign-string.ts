/**
 * The string eHSM signs (`params_sort_str` in ehsm_kms_service/function.js): keys in JavaScript's
 * default sort order, values that are loosely `== ''` skipped, objects flattened recursively, no
 * escaping. We run in JavaScript too, so String() and Array#sort give the server's exact text.
 */
export function signString(params: Record<string, unknown>, opts: SignStringOptions = {}): string {
  const parts: string[] = [];
  for (const key of Object.keys(params).sort()) {
    const value = params[key];
    if (looselyEmpty(value) && !(opts.keepEmptyStrings && value === '')) continue;
    parts.push(`${key}=${typeof value === 'object' ? signString(value as Record<string, unknown>, opts) : String(value)}`);
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
}

/**
 * Every string a client may have signed for these params: the server's own, then (only when the
 * params hold an empty string somewhere) the vendor clients' variant that keeps empty strings.
 */
export function acceptedSignStrings(params: Record<string, unknown>): string[] {
  const canonical = signString(params);
  // The variant differs only where some value is '': most requests have none, and a scan is
  // cheaper than building the string a second time on every signed request.
  if (!hasEmptyString(params)) return [canonical];
  const kept = signString(params, { keepEmptyStrings: true });
  return kept === canonical ? [canonical] : [canonical, kept];
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

function jsToString(v: unknown): string {
  if (v === undefined || v === null) return '';
  if (Array.isArray(v)) return v.map(jsToString).join(',');
  if (typeof v === 'object') return '[object Object]';
  return String(v);
}
