/**
 * Scope matching (notes §2.4). The device grants when the token's one scope string *starts with*
 * a required string; crypto routes need exactly `keymgmt:use:<kid>` for the body's kid.
 */
export type ScopeRule = { prefix: string } | { exact: string };

export const useScope = (kid: string): ScopeRule => ({ exact: `keymgmt:use:${kid}` });

/** Routes and the scopes that open them; any one rule suffices. */
export const ROUTE_SCOPES = {
  create: [{ prefix: 'keymgmt:gen' }],
  import: [{ prefix: 'keymgmt:imp' }],
  list: [{ prefix: 'keymgmt:list' }],
  search: [{ prefix: 'keymgmt:list' }, { prefix: 'keymgmt:search' }],
  update: [{ prefix: 'keymgmt:upd' }],
  delete: [{ prefix: 'keymgmt:del' }],
  derive: [{ prefix: 'keymgmt:derive' }, { prefix: 'keymgmt:gen' }],
  logger: [{ prefix: 'logger:get' }],
} satisfies Record<string, ScopeRule[]>;

/** `get` also opens with the key's own use scope. */
export const getScopes = (kid: string): ScopeRule[] => [{ prefix: 'keymgmt:get' }, { prefix: 'keymgmt:gen' }, useScope(kid)];

export function scopeAllows(scope: string, rules: readonly ScopeRule[]): boolean {
  return rules.some((r) => ('exact' in r ? scope.toLowerCase() === r.exact.toLowerCase() : scope.startsWith(r.prefix)));
}
