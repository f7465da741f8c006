import { IsOptional, Matches, ValidateIf } from 'class-validator';
import { EXDSA_ALGS, HEM_HASHES } from '../algorithms';
import { LIMITS } from '../wire';
import { Bytes, Kid, OneOf, OptionalBytes, OptionalKid } from './rules';

/**
 * Bodies of the crypto routes (notes §4). What depends on the key (its type, ECDH mode and so its
 * `ctx`, the HMAC `alg` an ECDH key requires and a SHA key ignores) is checked by the handler
 * once the key is known: see docs/encedo.md, "Validation".
 */
export class UseKeyDto {
  @Kid() kid!: string;
}

/** ECDH mode: the peer, `ext_kid` (wins) or `pubkey`. */
export class PeerKeyDto extends UseKeyDto {
  @OptionalKid() ext_kid?: string;
  @IsOptional() @Bytes({ max: 4096 }) pubkey?: Buffer;
}

export class EcdhDto extends PeerKeyDto {
  /** Absent: the raw secret. */
  @IsOptional() @OneOf(HEM_HASHES) alg?: string;
}

export class HmacDto extends PeerKeyDto {
  @Bytes({ max: LIMITS.msg, allowEmpty: true }) msg!: Buffer;
  /** Required in ECDH mode, ignored by a SHA* key: the handler reads it. */
  alg?: unknown;
}

export class HmacVerifyDto extends HmacDto {
  @Bytes({ max: 64 }) mac!: Buffer;
}

export class ExdsaDto extends UseKeyDto {
  @OneOf(EXDSA_ALGS) alg!: string;
  @Bytes({ max: LIMITS.msg, allowEmpty: true }) msg!: Buffer;
  @OptionalBytes({ max: LIMITS.ctx }) ctx?: Buffer;
}

export class ExdsaVerifyDto extends ExdsaDto {
  @Bytes({ max: 1024 }) sign!: Buffer;
}

const CIPHER_ALG = /^AES(128|192|256)-(ECB|CBC|GCM)$/;
const modeOf = (alg: unknown) => (typeof alg === 'string' ? CIPHER_ALG.exec(alg)?.[2] : undefined);

export class CipherDto extends PeerKeyDto {
  @Matches(CIPHER_ALG) alg!: string;
  @Bytes({ max: LIMITS.msg, allowEmpty: true }) msg!: Buffer;
  /** GCM only (other modes ignore it). The spec says ≤ 16 bytes; TESTER sends 32 (notes §10). */
  @ValidateIf((o: CipherDto) => modeOf(o.alg) === 'GCM') @OptionalBytes({ max: LIMITS.msg }) aad?: Buffer;
  /** ECDH mode's HKDF info suffix: read by the handler, only in that mode. */
  ctx?: unknown;
}

export class DecryptDto extends CipherDto {
  @ValidateIf((o: DecryptDto) => modeOf(o.alg) !== 'ECB') @Bytes({ min: 16, max: 16 }) iv?: Buffer;
  @ValidateIf((o: DecryptDto) => modeOf(o.alg) === 'GCM') @Bytes({ min: 16, max: 16 }) tag?: Buffer;
}

/** RFC 3394 with the default IV; `alg` defaults to AES256; `msg` is required (S). */
export class WrapDto extends PeerKeyDto {
  @IsOptional() @OneOf({ AES128: 1, AES192: 1, AES256: 1 }) alg?: 'AES128' | 'AES192' | 'AES256';
  @Bytes({ max: LIMITS.msg, multipleOf: 8 }) msg!: Buffer;
  /** Only the default IV is supported (406 for another, by the handler). */
  @OptionalBytes({ min: 8, max: 8 }) iv?: Buffer;
  ctx?: unknown;
}

export class DecapsDto extends UseKeyDto {
  @Bytes({ max: 1568 }) ct!: Buffer;
}

export class MldsaDto extends UseKeyDto {
  @Bytes({ max: LIMITS.msg, allowEmpty: true }) msg!: Buffer;
  @OptionalBytes({ max: LIMITS.ctx }) ctx?: Buffer;
}

export class MldsaVerifyDto extends MldsaDto {
  @Bytes({ max: 8192 }) sign!: Buffer;
}
