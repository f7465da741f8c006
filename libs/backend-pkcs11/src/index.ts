export { Pkcs11Backend } from './pkcs11-backend';
export type { Pkcs11Config } from './config';
export { resolvePin } from './config';
export { specsNeverHeld } from './key-families';
export { possibleMechanisms } from './mechanisms';
