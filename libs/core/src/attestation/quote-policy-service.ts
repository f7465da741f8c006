import { randomUUID } from 'node:crypto';
import type { DataSource, Repository } from 'typeorm';
import type { AuditWriter } from '../audit/audit-writer';
import type { OpContext } from '../key';
import { QuotePolicyEntity } from '../store/entities/quote-policy.entity';

export interface QuotePolicy {
  id: string;
  tenantId: string;
  mrEnclave: string;
  mrSigner: string;
  createdAt: number;
}

/** Stores attestation policies per tenant; a tenant never sees another tenant's policy. */
export class QuotePolicyService {
  private readonly repo: Repository<QuotePolicyEntity>;

  constructor(
    ds: DataSource,
    private readonly audit: AuditWriter,
  ) {
    this.repo = ds.getRepository(QuotePolicyEntity);
  }

  async upload(ctx: OpContext, mrEnclave: string, mrSigner: string): Promise<QuotePolicy> {
    const row: QuotePolicy = { id: randomUUID(), tenantId: ctx.tenantId, mrEnclave, mrSigner, createdAt: Date.now() };
    await this.repo.insert(row);
    await this.audit.record({
      at: row.createdAt,
      tenantId: ctx.tenantId,
      dialect: ctx.dialect,
      operation: 'quote-policy-upload',
      keyId: null,
      backend: null,
      outcome: 'ok',
      latencyUs: 0,
      principal: ctx.principal ?? null,
      event: `policy:${row.id}`,
    });
    return row;
  }

  async get(ctx: OpContext, id: string): Promise<QuotePolicy | null> {
    return this.repo.findOneBy({ id, tenantId: ctx.tenantId });
  }
}
