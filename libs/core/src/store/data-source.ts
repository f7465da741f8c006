import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DataSource, type DataSourceOptions } from 'typeorm';
import { AuditEntity } from './entities/audit.entity';
import { CredentialEntity } from './entities/credential.entity';
import { KeyEntity } from './entities/key.entity';
import { QuotePolicyEntity } from './entities/quote-policy.entity';
import { SecretEntity, SecretVersionEntity } from './entities/secret.entity';
import { TenantEntity } from './entities/tenant.entity';
import { InitialSchema1764669600000 } from './migrations/1764669600000-initial-schema';
import { QuotePolicies1764756000000 } from './migrations/1764756000000-quote-policies';

export const ENTITIES = [TenantEntity, KeyEntity, CredentialEntity, SecretEntity, SecretVersionEntity, AuditEntity, QuotePolicyEntity];
export const MIGRATIONS = [InitialSchema1764669600000, QuotePolicies1764756000000];

/**
 * `sqlite:<path>` (default) or `postgres://...`. The schema is only ever changed by migrations,
 * which run at start-up; `synchronize` stays off.
 */
export function dataSourceOptions(url: string): DataSourceOptions {
  const common = { entities: ENTITIES, migrations: MIGRATIONS, synchronize: false, migrationsRun: false, logging: false } as const;
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) {
    return { ...common, type: 'postgres', url, extra: { max: 10 } };
  }
  const path = url.startsWith('sqlite:') ? url.slice('sqlite:'.length) : url;
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  return { ...common, type: 'sqlite', database: path, busyTimeout: 5000 };
}

export async function openDataSource(url: string): Promise<DataSource> {
  const ds = new DataSource(dataSourceOptions(url));
  await ds.initialize();
  if (ds.options.type === 'sqlite') {
    // WAL lets readers run beside the audit group commit; FULL makes each commit durable, so an
    // acknowledged write survives kill -9 and power loss. busyTimeout covers a CLI writing meanwhile.
    await ds.query('PRAGMA journal_mode = WAL');
    await ds.query('PRAGMA synchronous = FULL');
    await ds.query('PRAGMA foreign_keys = ON');
  }
  await ds.runMigrations({ transaction: 'each' });
  return ds;
}
