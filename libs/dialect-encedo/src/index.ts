export { EncedoDialectModule } from './encedo.module';
export { DERIVE_LABELS, type EncedoDialectOptions } from './options';
export { userPublicKey, parseX25519Public } from './auth/x25519';
export { DeviceIdentity } from './auth/identity';
export { SharedChallengeStore } from './auth/challenges';
export { encedoOpenApi } from './openapi';
