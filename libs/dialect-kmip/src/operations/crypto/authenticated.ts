import { KmipFailure, type ProtocolVersion } from '../operation';
import type { SymmetricMode } from './tables';

/**
 * GCM's tag travels in Authenticated Encryption Tag, and its additional data in Authenticated
 * Encryption Additional Data: fields KMIP 1.4 added. A 1.0-1.3 client cannot read a response that
 * carries them (PyKMIP at 1.2 refuses the payload as oversized), and would not get its tag in any
 * other standard place, so an authenticated mode is refused below 1.4 rather than answered in a
 * form the client would mangle.
 */
export function checkAuthenticatedMode(name: string, mode: SymmetricMode, version: ProtocolVersion): void {
  if (!mode.authenticated || version.major > 1 || version.minor >= 4) return;
  throw new KmipFailure('Feature Not Supported', `${name} needs KMIP 1.4 or later (earlier versions have no Authenticated Encryption Tag)`);
}
