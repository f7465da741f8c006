import { randomUUID } from 'node:crypto';
import type { TenantService } from '@kms/core';
import { type EhsmReply, MSG, ok } from './envelope';

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

/** The API generation this dialect speaks (intel/ehsm buildenv.mk at 3454cac). */
export const EHSM_API_VERSION = { git_sha: '3454cac', version: '0.3.2' };
