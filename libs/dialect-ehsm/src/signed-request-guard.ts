import { type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { type OpContext, TenantService } from '@kms/core';
import { CallerGuard } from '@kms/dialect-kit';
import { EhsmFailure, MSG, badRequest } from './envelope';
import { REPLAY_LEDGER, type ReplayLedger, ReplayLedgerFull } from './replay-ledger';

/** An app that signed its request: the tenant it belongs to, and its appid (the audit's principal). */
export interface EhsmCaller extends OpContext {
  principal: string;
  /** v1 blobs are bound to the app that made them. */
  appid: string;
}

/** The `?Action=` of a request, as sent. */
export const rawActionOf = (req: FastifyRequest): unknown => (req.query as { Action?: unknown } | undefined)?.Action;

/** The signed body's payload, which the guard checked; an absent one reads as empty. */
export function signedPayloadOf(body: unknown): Record<string, unknown> {
  const payload = (body as { payload?: unknown } | null | undefined)?.payload;
  return payload !== null && typeof payload === 'object' ? (payload as Record<string, unknown>) : {};
}

/**
 * What the guards of both eHSM APIs share: the apps' keys, the replay ledger, and a few actions
 * served without a signature (which then have no caller).
 */
@Injectable()
export abstract class SignedRequestGuard extends CallerGuard<EhsmCaller> {
  constructor(
    private readonly tenants: TenantService,
    @Inject(REPLAY_LEDGER) private readonly replay: ReplayLedger,
  ) {
    super();
  }

  /** Whether the request is served without a signature; it may refuse the request instead. */
  protected abstract unauthenticated(req: FastifyRequest): boolean;

  override async canActivate(context: ExecutionContext): Promise<boolean> {
    return this.unauthenticated(context.switchToHttp().getRequest<FastifyRequest>()) || super.canActivate(context);
  }

  /**
   * The tenant and apikey of an app. An unknown appid, or one without a key, is refused; so is a
   * lookup that fails, with `lookupFailed` (the two APIs word that differently).
   */
  protected async appKey(appid: string, lookupFailed: string): Promise<{ tenantId: string; secret: Buffer }> {
    let cred;
    try {
      cred = await this.tenants.resolve('ehsm-app', appid);
    } catch {
      throw badRequest(lookupFailed);
    }
    if (!cred || !cred.secret) throw badRequest(MSG.unknownAppid);
    return { tenantId: cred.tenantId, secret: cred.secret };
  }

  /** The early replay check, before the signature is verified (nothing is recorded yet). */
  protected async refuseSeen(key: string): Promise<void> {
    if (await this.replay.seen(key)) throw badRequest(MSG.replay);
  }

  /**
   * Records a request whose signature verified, until its timestamp leaves the accepted window;
   * after that the skew check refuses a replay. A full ledger refuses the request (fail closed).
   */
  protected async remember(key: string, expiresAt: number): Promise<void> {
    let fresh: boolean;
    try {
      fresh = await this.replay.claim(key, expiresAt);
    } catch (err) {
      if (err instanceof ReplayLedgerFull) throw new EhsmFailure(500, MSG.internal);
      throw err;
    }
    if (!fresh) throw badRequest(MSG.replay);
  }
}
