import { Global, Module, type DynamicModule } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AuditReader, AuditWriter, BackendRouter, KeyOperations, KmsMetrics, QuotePolicyService, Sealer, SecretService, TenantService } from '@kms/core';
import type { Kernel } from './kernel';
import { StoreHealth } from './store-health';

/** The admin bearer token (KMS_ADMIN_TOKEN), or null when the admin routes are off. */
export const ADMIN_TOKEN = Symbol('ADMIN_TOKEN');

/**
 * The canonical services as Nest providers, for every dialect module to inject by class.
 *
 * They are built by `createKernel`, not by Nest, on purpose: start-up is ordered and can fail part
 * way (the master key may have to be unwrapped on the PKCS#11 token before the sealer exists, the
 * store opened before the backends start, everything closed again on a failure), the admin CLI
 * needs exactly the same services without an HTTP server, and each cluster worker builds its own
 * over an IPC channel. One composition root keeps that order in one readable function; Nest
 * receives the results here. No controller sees the kernel itself.
 */
@Global()
@Module({})
export class CoreModule {
  static forKernel(kernel: Kernel): DynamicModule {
    const providers = [
      { provide: KeyOperations, useValue: kernel.keys },
      { provide: TenantService, useValue: kernel.tenants },
      { provide: SecretService, useValue: kernel.secrets },
      { provide: QuotePolicyService, useValue: kernel.quotePolicies },
      { provide: Sealer, useValue: kernel.sealer },
      { provide: KmsMetrics, useValue: kernel.metrics },
      { provide: AuditWriter, useValue: kernel.audit },
      { provide: AuditReader, useValue: kernel.auditReader },
      { provide: BackendRouter, useValue: kernel.router },
      { provide: DataSource, useValue: kernel.ds },
      { provide: StoreHealth, useValue: kernel.storeHealth },
      { provide: ADMIN_TOKEN, useValue: kernel.config.adminToken ?? null },
    ];
    return { module: CoreModule, providers, exports: providers.map((p) => p.provide) };
  }
}
