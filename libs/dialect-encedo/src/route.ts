import { SetMetadata } from '@nestjs/common';
import type { ScopeRule } from './auth/scopes';
import type { LogType } from './log-events';

/**
 * Where a route's required scope comes from (notes §2.4). The kid-bound ones check the KID's
 * shape first (400), as the device does before its scope check (403).
 */
export type ScopeSource =
  /** Any one of these rules opens the route. */
  | { kind: 'rules'; rules: readonly ScopeRule[] }
  /** keymgmt/search: these rules, or no token at all when `allow_keysearch` is on. */
  | { kind: 'search'; rules: readonly ScopeRule[] }
  /** Crypto routes: exactly `keymgmt:use:<kid>` for the body's kid. */
  | { kind: 'use-of-body-kid' }
  /** keymgmt/get: the get scopes, or the use scope of the path's kid. */
  | { kind: 'get-of-path-kid' };

/** A HEM route: its audit operation, its log event type (null: none), and its scope. */
export interface HemRouteSpec {
  op: string;
  log: LogType | null;
  scope: ScopeSource;
}

export const HEM_ROUTE = 'encedo:route';

/** Read by HemGuard. */
export const HemRoute = (spec: HemRouteSpec) => SetMetadata(HEM_ROUTE, spec);

export const USE_OF_BODY_KID: ScopeSource = { kind: 'use-of-body-kid' };
