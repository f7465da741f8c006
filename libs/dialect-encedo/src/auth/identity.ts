import { randomBytes, type KeyObject } from 'node:crypto';
import { rawPublicOf, x25519Private } from './x25519';

/**
 * The gateway as an Encedo device: a stable identity key (`eid`, from the master key, so users
 * registered once keep working after a restart) and a session key (`spk`) made per process, as
 * the device makes one per boot.
 */
export class DeviceIdentity {
  readonly eid: string;
  readonly spk: string;
  readonly session: KeyObject;

  constructor(identitySeed: Buffer, sessionScalar: Buffer = randomBytes(32)) {
    this.eid = rawPublicOf(x25519Private(identitySeed)).toString('base64');
    this.session = x25519Private(sessionScalar);
    this.spk = rawPublicOf(this.session).toString('base64');
  }
}
