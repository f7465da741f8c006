/**
 * The string eHSM signs (`params_sort_str` in ehsm_kms_service/function.js): keys in JavaScript's
 * default sort order, values that are loosely `== ''` skipped, objects flattened recursively, no
 * escaping. We run in JavaScript too, so String() and Array#sort give the server's exact text.
 */
export function signString(params: Record<string, unknown>): string {
  const parts: string[] = [];
  for (const key of Object.keys(params).sort()) {
    const value = params[key];
    if (looselyEmpty(value)) continue;
    parts.push(`${key}=${typeof value === 'object' ? signString(value as Record<string, unknown>) : String(value)}`);
  }
  return parts.join('&');
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
