import { randomUUID } from 'node:crypto';
import type { TenantService } from '@kms/core';
import { type EhsmReply, MSG, fail, ok } from './envelope';
import type { EhsmDialectOptions } from './options';

/** The API generation this dialect speaks (intel/ehsm buildenv.mk at 3454cac). */
export const EHSM_API_VERSION = { git_sha: '3454cac', version: '0.3.2' };

/**
 * `GET ?Action=Enroll`: anyone may ask, and gets a fresh tenant of their own (`ehsm-<appid>`)
 * with one appid/apikey. The appid is chosen here, before the tenant exists, so that the tenant
 * can be named after it; TenantService.issueEhsmApp draws and seals the apikey.
 */
export async function enroll(tenants: TenantService, label = 'enroll'): Promise<EhsmReply> {
  const appid = randomUUID();
  const tenant = await tenants.createTenant(`ehsm-${appid}`);
  const issued = await tenants.issueEhsmApp(tenant.id, label, appid);
  return ok({ appid: issued.appid, apikey: issued.apikey }, MSG.nodeOk);
}

type UnauthenticatedAction = (tenants: TenantService, options: EhsmDialectOptions) => Promise<EhsmReply>;

/**
 * The actions of `/ehsm` served without a signature. Upstream's `_checkParams` skips these two
 * whatever the method, and only its GET route serves them: a POST finds no route (404).
 */
export const UNAUTHENTICATED: Readonly<Record<string, UnauthenticatedAction>> = {
  GetVersion: async () => ok(EHSM_API_VERSION),
  Enroll: async (tenants, options) => (options.enroll === false ? fail(404, MSG.notFound) : enroll(tenants)),
};

export const isUnauthenticated = (action: string): boolean => Object.hasOwn(UNAUTHENTICATED, action);
