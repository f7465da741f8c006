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
  /**
   * The path under the mount: `:x` is the handler's parameter `x` (a Vault name), `[...]` an
   * optional part. The pattern is made from it, and the OpenAPI document (../openapi.ts) expands it.
   */
  template: string;
  actions: Partial<Record<VaultOperation, VaultAction>>;
}

/** The anchored pattern of a template; named groups are the handler's parameters. */
export const patternOf = (template: string) =>
  new RegExp(
    `^${template
      .replace(/\[/g, '(?:')
      .replace(/\]/g, ')?')
      .replace(/:(\w+)/g, (_, n: string) => `(?<${n}>${NAME})`)}$`,
  );

/**
 * The transit routes served (api-docs/secret/transit), by Vault's operation: GET is `read` (or
 * `list` with list=true), POST and PUT `update`, DELETE `delete`, LIST `list`.
 */
const ROUTES: readonly Route[] = [
  { template: 'keys[/]', actions: { list: KEY_ACTIONS.list } },
  { template: 'keys/:name', actions: { read: KEY_ACTIONS.read, update: KEY_ACTIONS.create, delete: KEY_ACTIONS.delete } },
  { template: 'keys/:name/config', actions: { update: KEY_ACTIONS.config } },
  { template: 'keys/:name/rotate', actions: { update: KEY_ACTIONS.rotate } },
  { template: 'keys/:name/trim', actions: { update: KEY_ACTIONS.trim } },
  { template: 'keys/:name/import', actions: { update: IMPORT_ACTIONS.import } },
  { template: 'keys/:name/import_version', actions: { update: IMPORT_ACTIONS.importVersion } },
  { template: 'wrapping_key', actions: { read: IMPORT_ACTIONS.wrappingKey } },
  { template: 'encrypt/:name', actions: { update: CRYPTO_ACTIONS.encrypt } },
  { template: 'decrypt/:name', actions: { update: CRYPTO_ACTIONS.decrypt } },
  { template: 'rewrap/:name', actions: { update: CRYPTO_ACTIONS.rewrap } },
  { template: 'datakey/:kind/:name', actions: { update: CRYPTO_ACTIONS.datakey } },
  { template: 'sign/:name[/:alg]', actions: { update: SIGNATURE_ACTIONS.sign } },
  { template: 'verify/:name[/:alg]', actions: { update: SIGNATURE_ACTIONS.verify } },
  { template: 'hmac/:name[/:alg]', actions: { update: HMAC_ACTIONS.hmac } },
  { template: 'random[/:a][/:b]', actions: { update: UTILITY_ACTIONS.random } },
  { template: 'hash[/:alg]', actions: { update: UTILITY_ACTIONS.hash } },
  { template: 'export/:kind/:name[/:version]', actions: { read: EXPORT_ACTIONS.export } },
];
const PATTERNS = ROUTES.map((r) => ({ ...r, pattern: patternOf(r.template) }));

/** Transit paths Vault serves that a later part of this dialect will: a clear 400 rather than a 404. */
const LATER: ReadonlyArray<{ pattern: RegExp; what: string }> = [
  { pattern: /^(backup|restore)(\/|$)/, what: 'key backup and restore are' },
  { pattern: /^byok-export\//, what: 'BYOK export is' },
  { pattern: /^keys\/[^/]+\/(csr|set-certificate)$/, what: 'certificates of keys are' },
  { pattern: /^(cache-config|config\/keys)$/, what: 'engine configuration is' },
];

/** Each route's template and the operations it serves: what the OpenAPI document is made of. */
export const servedRoutes = (): ReadonlyArray<{ template: string; operations: VaultOperation[] }> =>
  ROUTES.map((r) => ({ template: r.template, operations: Object.keys(r.actions) as VaultOperation[] }));

/** The handler of a transit path (under the mount) and operation, with its path parameters. */
export function routeFor(rest: string, op: VaultOperation): { action: VaultAction; params: Record<string, string | undefined> } {
  for (const route of PATTERNS) {
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
