import { VaultError, noRoute, notYet } from '../errors';
import type { VaultAction, VaultOperation } from './context';
import { CRYPTO_ACTIONS } from './crypto';
import { EXPORT_ACTIONS } from './export';
import { HMAC_ACTIONS } from './hmac';
import { IMPORT_ACTIONS } from './import';
import { KEY_ACTIONS, NAME } from './keys';
import { SIGNATURE_ACTIONS } from './signatures';
import { UTILITY_ACTIONS } from './utility';

interface Route {
  /** The path under the mount, anchored; named groups are the handler's parameters. */
  pattern: RegExp;
  actions: Partial<Record<VaultOperation, VaultAction>>;
}

const path = (p: string) => new RegExp(`^${p.replace(/:(\w+)/g, (_, n: string) => `(?<${n}>${NAME})`)}$`);
const optional = (p: string) => `(?:/${p})?`;

/**
 * The transit routes served (api-docs/secret/transit), by Vault's operation: GET is `read` (or
 * `list` with list=true), POST and PUT `update`, DELETE `delete`, LIST `list`.
 */
const ROUTES: readonly Route[] = [
  { pattern: /^keys\/?$/, actions: { list: KEY_ACTIONS.list } },
  { pattern: path('keys/:name'), actions: { read: KEY_ACTIONS.read, update: KEY_ACTIONS.create, delete: KEY_ACTIONS.delete } },
  { pattern: path('keys/:name/config'), actions: { update: KEY_ACTIONS.config } },
  { pattern: path('keys/:name/rotate'), actions: { update: KEY_ACTIONS.rotate } },
  { pattern: path('keys/:name/trim'), actions: { update: KEY_ACTIONS.trim } },
  { pattern: path('keys/:name/import'), actions: { update: IMPORT_ACTIONS.import } },
  { pattern: path('keys/:name/import_version'), actions: { update: IMPORT_ACTIONS.importVersion } },
  { pattern: /^wrapping_key$/, actions: { read: IMPORT_ACTIONS.wrappingKey } },
  { pattern: path('encrypt/:name'), actions: { update: CRYPTO_ACTIONS.encrypt } },
  { pattern: path('decrypt/:name'), actions: { update: CRYPTO_ACTIONS.decrypt } },
  { pattern: path('rewrap/:name'), actions: { update: CRYPTO_ACTIONS.rewrap } },
  { pattern: path('datakey/:kind/:name'), actions: { update: CRYPTO_ACTIONS.datakey } },
  { pattern: path(`sign/:name${optional(':alg')}`), actions: { update: SIGNATURE_ACTIONS.sign } },
  { pattern: path(`verify/:name${optional(':alg')}`), actions: { update: SIGNATURE_ACTIONS.verify } },
  { pattern: path(`hmac/:name${optional(':alg')}`), actions: { update: HMAC_ACTIONS.hmac } },
  { pattern: path(`random${optional(':a')}${optional(':b')}`), actions: { update: UTILITY_ACTIONS.random } },
  { pattern: path(`hash${optional(':alg')}`), actions: { update: UTILITY_ACTIONS.hash } },
  { pattern: path(`export/:kind/:name${optional(':version')}`), actions: { read: EXPORT_ACTIONS.export } },
];

/** Transit paths Vault serves that a later part of this dialect will: a clear 400 rather than a 404. */
const LATER: ReadonlyArray<{ pattern: RegExp; what: string }> = [
  { pattern: /^(backup|restore)(\/|$)/, what: 'key backup and restore are' },
  { pattern: /^byok-export\//, what: 'BYOK export is' },
  { pattern: /^keys\/[^/]+\/(csr|set-certificate)$/, what: 'certificates of keys are' },
  { pattern: /^(cache-config|config\/keys)$/, what: 'engine configuration is' },
];

export const servedRoutes = () => ROUTES.map((r) => r.pattern.source);

/** The handler of a transit path (under the mount) and operation, with its path parameters. */
export function routeFor(rest: string, op: VaultOperation): { action: VaultAction; params: Record<string, string | undefined> } {
  for (const route of ROUTES) {
    const m = route.pattern.exec(rest);
    if (!m) continue;
    const action = route.actions[op];
    if (!action) throw new VaultError(405, 'unsupported operation');
    return { action, params: { ...m.groups } };
  }
  const later = LATER.find((l) => l.pattern.test(rest));
  if (later) throw notYet(later.what);
  throw noRoute(`transit/${rest}`);
}
