import { IsOptional, IsString } from 'class-validator';
import type { HemTypeInfo } from '../key-types';
import { Bytes, Count, Descr, Kid, KeyType, Label, OptionalKid } from './rules';

/** What create, import and derive share (notes §3). */
export class NewKeyDto {
  @Label() label!: string;
  @KeyType() type!: HemTypeInfo;
  /** Free text on the device (hem-sdk-js sends the type again); SECP keys read ECDH/ExDSA from it. */
  @IsOptional() @IsString() mode?: string;
  @Descr() descr?: string;
}

export class CreateKeyDto extends NewKeyDto {}

export class ImportKeyDto extends NewKeyDto {
  @Bytes({ max: 4096 }) pubkey!: Buffer;
}

/** The peer: `ext_kid` (wins) or `pubkey`, checked against the source key's type by the handler. */
export class DeriveKeyDto extends NewKeyDto {
  @Kid() kid!: string;
  @OptionalKid() ext_kid?: string;
  @IsOptional() @Bytes({ max: 4096 }) pubkey?: Buffer;
}

/** `label` is required even when only `descr` changes; `descr` null or '' clears it. */
export class UpdateKeyDto {
  @Kid() kid!: string;
  @Label() label!: string;
  @Descr() descr?: string | null;
}

/** The needle's anchors and base64 are read by the handler: its refusals depend on the caller (401 token-less). */
export class SearchDto {
  @IsString() descr!: string;
  @Count() offset?: number;
  @Count() limit?: number;
}
