import { type ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { CallerGuard, setCaller } from '@kms/dialect-kit';
import { EncedoService } from '../encedo.service';
import { HemAuditTrail } from '../hem-audit';
import { answered, hem } from '../hem-error';
import { HEM_ROUTE, type HemRouteSpec, type ScopeSource } from '../route';
import { bodyOf, kidOf } from '../wire';
import { type HemCaller, type HemIdentity, onRoute } from './caller';
import { type ScopeRule, getScopes, scopeAllows, useScope } from './scopes';

/** The rules a route's scope source asks for on this request; null when nothing is to be checked. */
const RULES_OF: { [K in ScopeSource['kind']]: (s: Extract<ScopeSource, { kind: K }>, req: FastifyRequest, caller: HemCaller) => readonly ScopeRule[] | null } = {
  rules: (s) => s.rules,
  search: (s, _req, caller) => (caller.credential.kind === 'keysearch' ? null : s.rules),
  'use-of-body-kid': (_s, req) => [useScope(kidOf(bodyOf(req.body).kid))],
  'get-of-path-kid': (_s, req) => getScopes(kidOf((req.params as { kid?: unknown }).kid)),
};

/**
 * HEM's way in: the bearer token (401), then the route's scope (its KID's shape first, 400; then
 * 403, audited as LOG_TYPE_FAILED_SCOPE_CHECK). The caller it leaves for `@Ctx()` carries the
 * route's audit operation and HEM event. keymgmt/search also takes no token at all when
 * `allow_keysearch` names a tenant.
 */
@Injectable()
export class HemGuard extends CallerGuard<HemIdentity> {
  constructor(
    private readonly reflector: Reflector,
    private readonly svc: EncedoService,
    private readonly trail: HemAuditTrail,
  ) {
    super();
  }

  protected authenticate(req: FastifyRequest): Promise<HemIdentity> {
    return this.svc.identify(req.headers.authorization);
  }

  override async canActivate(context: ExecutionContext): Promise<boolean> {
    const route = this.reflector.get<HemRouteSpec | undefined>(HEM_ROUTE, context.getHandler());
    if (!route) throw new Error(`${context.getClass().name}.${context.getHandler().name} has no @HemRoute: its scope and audit event are unknown`);
    const req = context.switchToHttp().getRequest<FastifyRequest>();
    const identity = route.scope.kind === 'search' && req.headers.authorization === undefined ? await this.keysearch() : await this.authenticate(req);
    const caller = onRoute(identity, route.op, route.log);
    setCaller(req, caller);
    // A refusal here that is still due its row gets it from the codec, as the routes' own do.
    await this.checkScope(req, caller, route.scope);
    return true;
  }

  private async keysearch(): Promise<HemIdentity> {
    const identity = await this.svc.keysearchIdentity();
    if (!identity) throw hem(401, 'no bearer token');
    return identity;
  }

  private async checkScope(req: FastifyRequest, caller: HemCaller, scope: ScopeSource): Promise<void> {
    const rules = (RULES_OF[scope.kind] as (s: ScopeSource, r: FastifyRequest, c: HemCaller) => readonly ScopeRule[] | null)(scope, req, caller);
    if (rules === null || (caller.credential.kind === 'token' && scopeAllows(caller.credential.scope, rules))) return;
    await this.trail.scopeRefused(req, caller);
    throw answered(403, 'scope');
  }
}
