import { Controller, Delete, Get, HttpCode, Param, Post, Query, UseGuards } from '@nestjs/common';
import { KeyOperations, type OpContext } from '@kms/core';
import { Ctx } from '@kms/dialect-kit';
import { JoseBody } from './body';
import { DecryptDto, decrypt } from './decrypt';
import { EncryptDto, encrypt } from './encrypt';
import { JoseGuard } from './guard';
import { CreateKeyDto } from './jwk';
import { UnwrapDto, createKey, deleteKey, jwks, publicKey, unwrapKey } from './keys';
import { MacDto, mac } from './mac';
import { SignDto, VerifyDto, sign, verify } from './sign';

/**
 * The `/v1/crypto` routes. Every POST answers 200 (the vendor's contract, not Nest's 201), DELETE
 * 204, GET (★) 200. The guard authenticates before the body is looked at; the body pipe then validates the
 * endpoint's DTO, which the handler hands to its endpoint's translator.
 */
@Controller('v1/crypto')
@UseGuards(JoseGuard)
export class JoseController {
  constructor(private readonly keys: KeyOperations) {}

  @Post('keys')
  @HttpCode(200)
  createKey(@Ctx() ctx: OpContext, @JoseBody() body: CreateKeyDto) {
    return createKey(this.keys, ctx, body);
  }

  @Post('keys/unwrap')
  @HttpCode(200)
  unwrap(@Ctx() ctx: OpContext, @JoseBody() body: UnwrapDto) {
    return unwrapKey(this.keys, ctx, body);
  }

  /** Beyond the vendor: a key's public JWK, of its current version or of `?kv=N`. */
  @Get('keys/:kid')
  publicKey(@Ctx() ctx: OpContext, @Param('kid') kid: string, @Query('kv') kv: unknown) {
    return publicKey(this.keys, ctx, kid, kv);
  }

  @Delete('keys/:kid')
  @HttpCode(204)
  async deleteKey(@Ctx() ctx: OpContext, @Param('kid') kid: string): Promise<void> {
    await deleteKey(this.keys, ctx, kid);
  }

  @Post('encrypt')
  @HttpCode(200)
  encrypt(@Ctx() ctx: OpContext, @JoseBody() body: EncryptDto) {
    return encrypt(this.keys, ctx, body);
  }

  @Post('decrypt')
  @HttpCode(200)
  decrypt(@Ctx() ctx: OpContext, @JoseBody() body: DecryptDto) {
    return decrypt(this.keys, ctx, body);
  }

  @Post('sign')
  @HttpCode(200)
  sign(@Ctx() ctx: OpContext, @JoseBody() body: SignDto) {
    return sign(this.keys, ctx, body);
  }

  @Post('verify')
  @HttpCode(200)
  verify(@Ctx() ctx: OpContext, @JoseBody() body: VerifyDto) {
    return verify(this.keys, ctx, body);
  }

  @Post('mac')
  @HttpCode(200)
  mac(@Ctx() ctx: OpContext, @JoseBody() body: MacDto) {
    return mac(this.keys, ctx, body);
  }
}

/** The tenant's public keys, where the vendor's later versions serve them. */
@Controller('.well-known')
@UseGuards(JoseGuard)
export class JwksController {
  constructor(private readonly keys: KeyOperations) {}

  @Get('jwks.json')
  jwks(@Ctx() ctx: OpContext) {
    return jwks(this.keys, ctx);
  }
}
