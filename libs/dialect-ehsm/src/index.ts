export { EhsmDialectModule } from './ehsm.module';
export type { EhsmDialectOptions } from './options';
export { type ReplayGuard, LayeredReplayGuard, MemoryReplayGuard, SharedReplayGuard } from './replay-guard';
export { signString } from './sign-string';
export { EhsmBodyErrorFilter, isEhsmPath } from './invalid-json.filter';
