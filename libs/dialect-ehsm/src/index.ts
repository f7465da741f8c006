export { EhsmDialectModule } from './ehsm.module';
export type { EhsmDialectOptions } from './options';
export { type ReplayLedger, LayeredReplayLedger, MemoryReplayLedger, SharedReplayLedger } from './replay-ledger';
export { signString } from './sign-string';
export { ehsmOpenApi } from './openapi';
