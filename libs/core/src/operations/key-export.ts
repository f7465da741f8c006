import type { KeyMaterial } from '../backend';
import { forbidden, invalidArgument } from '../errors';
import type { KeyRecord } from '../key';

/**
 * Export of a key version's material to the caller, for APIs that hand exportable keys out. Only
 * a key made or imported `exportable`, or made so later (lifecycle.allowExport, one way, as
 * Vault's config), may leave; the flag is never unset.
 */
export function checkExportable(record: KeyRecord): void {
  if (record.keyClass === 'public') throw invalidArgument('a public key has no secret material: its public key is read with getPublicKey', 'key');
  if (!record.exportable) throw forbidden('the key is not exportable: it was not made exportable, so its material does not leave its backend');
}

/**
 * A copy of the material for the caller: a backend may answer the buffers it keeps with the loaded
 * key (the software engine does), and a caller zeroing its answer must not zero those.
 */
export function copyMaterial(m: KeyMaterial): KeyMaterial {
  switch (m.kind) {
    case 'secret':
      return { kind: 'secret', bytes: Buffer.from(m.bytes) };
    case 'pkcs8':
      return { kind: 'pkcs8', der: Buffer.from(m.der) };
    case 'raw-private':
      return { kind: 'raw-private', bytes: Buffer.from(m.bytes), ...(m.publicKey ? { publicKey: Buffer.from(m.publicKey) } : {}) };
    case 'public':
      return { kind: 'public', spki: Buffer.from(m.spki) };
  }
}
