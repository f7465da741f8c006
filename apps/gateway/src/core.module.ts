import { Global, Module, type DynamicModule } from '@nestjs/common';
import { AuditReader, AuditWriter, BackendRouter, KeyOperations, KeyStore, KmsMetrics, QuotePolicyService, Sealer, SecretService, TenantService } from '@kms/core';
import type { Kernel } from './kernel';

export const KERNEL = Symbol('KERNEL');

/** Hands the kernel's canonical services to every dialect module through Nest's injector. */
@Global()
@Module({})
export class CoreModule {
  static forKernel(kernel: Kernel): DynamicModule {
    const providers = [
      { provide: KERNEL, useValue: kernel },
      { provide: KeyOperations, useValue: kernel.keys },
      { provide: TenantService, useValue: kernel.tenants },
      { provide: SecretService, useValue: kernel.secrets },
      { provide: QuotePolicyService, useValue: kernel.quotePolicies },
      { provide: Sealer, useValue: kernel.sealer },
      { provide: KeyStore, useValue: kernel.keyStore },
      { provide: KmsMetrics, useValue: kernel.metrics },
      { provide: AuditWriter, useValue: kernel.audit },
      { provide: AuditReader, useValue: kernel.auditReader },
      { provide: BackendRouter, useValue: kernel.router },
    ];
    return { module: CoreModule, providers, exports: providers.map((p) => p.provide) };
  }
}
