import { createCipheriv, randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply } from 'fastify-latest';
import type { MinimalConfig } from './config';
import { B64, iv12, sha256Hex } from './common';

/**
 * Vault transit encrypt by hand: `POST /v1/transit/encrypt/:name` with the token in
 * X-Vault-Token (else `Authorization: Bearer`), looked up by its SHA-256 (the gateway stores
 * token hashes), the key by name in a Map and checked to be the tenant's; AES-256-GCM of the
 * plaintext in Vault's layout (`vault:v1:` and base64 of nonce ‖ ciphertext ‖ tag), answered in
 * Vault's envelope.
 */
const errors = (reply: FastifyReply, status: number, message: string) => reply.code(status).send({ errors: [message] });

export function vaultRoutes(app: FastifyInstance, cfg: NonNullable<MinimalConfig['vault']>): void {
  const tenantOf = new Map(cfg.tokens.map((t) => [sha256Hex(t.token), t.tenant]));
  const keys = new Map(cfg.keys.map((k) => [k.name, { tenant: k.tenant, material: Buffer.from(k.material, 'base64') }]));

  app.post<{ Params: { name: string } }>('/v1/transit/encrypt/:name', async (req, reply) => {
    const header = req.headers['x-vault-token'];
    const token = typeof header === 'string' ? header : /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
    const tenant = token === undefined ? undefined : tenantOf.get(sha256Hex(token));
    if (tenant === undefined) return errors(reply, 403, 'permission denied');
    const key = keys.get(req.params.name);
    if (!key || key.tenant !== tenant) return errors(reply, 400, 'encryption key not found');
    const p = (req.body as Record<string, unknown> | null)?.plaintext;
    if (typeof p !== 'string' || p.length % 4 !== 0 || !B64.test(p)) return errors(reply, 400, 'failed to base64-decode plaintext');
    const iv = iv12();
    const c = createCipheriv('aes-256-gcm', key.material, iv);
    const ct = c.update(Buffer.from(p, 'base64'));
    c.final();
    void reply.header('cache-control', 'no-store');
    return {
      request_id: randomUUID(),
      lease_id: '',
      renewable: false,
      lease_duration: 0,
      data: { ciphertext: `vault:v1:${Buffer.concat([iv, ct, c.getAuthTag()]).toString('base64')}`, key_version: 1 },
      wrap_info: null,
      warnings: null,
      auth: null,
      mount_type: 'transit',
    };
  });
}
