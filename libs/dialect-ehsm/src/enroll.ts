import { randomInt, randomUUID } from 'node:crypto';
import type { TenantService } from '@kms/core';
import { type EhsmReply, MSG, ok } from './envelope';

/** eHSM's apikey alphabet and length (`enclave_get_apikey`). */
const APIKEY_ALPHABET = '0123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz';
const APIKEY_LENGTH = 32;

/**
 * `GET ?Action=Enroll`: anyone may ask, and gets a fresh tenant of their own (`ehsm-<appid>`)
 * with one appid/apikey. The appid is chosen here, before the tenant exists, so that the tenant
 * can be named after it; TenantService seals the apikey exactly as issueEhsmApp does.
 */
export async function enroll(tenants: TenantService): Promise<EhsmReply> {
  const appid = randomUUID();
  const apikey = Array.from({ length: APIKEY_LENGTH }, () => APIKEY_ALPHABET[randomInt(APIKEY_ALPHABET.length)]).join('');
  const tenant = await tenants.createTenant(`ehsm-${appid}`);
  await tenants.addCredential(tenant.id, 'ehsm-app', appid, { secret: Buffer.from(apikey, 'utf8'), label: 'enroll' });
  return ok({ appid, apikey }, MSG.nodeOk);
}

/** The API generation this dialect speaks (intel/ehsm buildenv.mk at 3454cac). */
export const EHSM_API_VERSION = { git_sha: '3454cac', version: '0.3.2' };
