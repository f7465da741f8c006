import { Module, type OnModuleInit } from '@nestjs/common';
import { KeyOperations } from '@kms/core';
import { ErrorCodecs } from '@kms/dialect-kit';
import { VaultErrorCodec } from './error-codec';
import { VaultGuard } from './guard';
import { SysController } from './sys.controller';
import { TransitController } from './transit.controller';

/**
 * HashiCorp Vault's transit secrets engine API (docs/vault.md), mounted at `transit`, with the
 * `sys/health` and token `lookup-self` probes clients make first; Vault tokens from the admin CLI.
 */
@Module({ controllers: [SysController, TransitController], providers: [VaultGuard] })
export class VaultDialectModule implements OnModuleInit {
  constructor(
    private readonly codecs: ErrorCodecs,
    private readonly keys: KeyOperations,
  ) {}

  onModuleInit(): void {
    this.codecs.register(new VaultErrorCodec(this.keys));
  }
}
