import { Body, Controller, Delete, Get, HttpCode, Param, Post, UseGuards } from '@nestjs/common';
import { KeyOperations, type OpContext } from '@kms/core';
import { Ctx } from '@kms/dialect-kit';
import { asBody } from './body';
import { decrypt } from './decrypt';
import { encrypt } from './encrypt';
import { JoseGuard } from './guard';
import { createKey, deleteKey, jwks, unwrapKey } from './keys';
import { mac } from './mac';
import { sign, verify } from './sign';

/**
 * The `/v1/crypto` routes. Every POST answers 200 (the vendor's contract, not Nest's 201), DELETE
 * 204; the guard authenticates before the body is looked at, then each handler hands the body to
 * its endpoint's translator.
 */
@Controller('v1/crypto')
@UseGuards(JoseGuard)
export class JoseController {
  constructor(private readonly keys: KeyOperations) {}

  @Post('keys')
  @HttpCode(200)
  createKey(@Ctx() ctx: OpContext, @Body() body: unknown) {
    return createKey(this.keys, ctx, asBody(body));
  }

  @Post('keys/unwrap')
  @HttpCode(200)
  unwrap(@Ctx() ctx: OpContext, @Body() body: unknown) {
    return unwrapKey(this.keys, ctx, asBody(body));
  }

  @Delete('keys/:kid')
  @HttpCode(204)
  async deleteKey(@Ctx() ctx: OpContext, @Param('kid') kid: string): Promise<void> {
    await deleteKey(this.keys, ctx, kid);
  }

  @Post('encrypt')
  @HttpCode(200)
  encrypt(@Ctx() ctx: OpContext, @Body() body: unknown) {
    return encrypt(this.keys, ctx, asBody(body));
  }

  @Post('decrypt')
  @HttpCode(200)
  decrypt(@Ctx() ctx: OpContext, @Body() body: unknown) {
    return decrypt(this.keys, ctx, asBody(body));
  }

  @Post('sign')
  @HttpCode(200)
  sign(@Ctx() ctx: OpContext, @Body() body: unknown) {
    return sign(this.keys, ctx, asBody(body));
  }

  @Post('verify')
  @HttpCode(200)
  verify(@Ctx() ctx: OpContext, @Body() body: unknown) {
    return verify(this.keys, ctx, asBody(body));
  }

  @Post('mac')
  @HttpCode(200)
  mac(@Ctx() ctx: OpContext, @Body() body: unknown) {
    return mac(this.keys, ctx, asBody(body));
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
