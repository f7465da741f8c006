import { Body, Controller, Delete, Get, HttpCode, Param, Post, Req } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { KeyOperations } from '@kms/core';
import { JoseAuth } from './auth';
import { asBody } from './body';
import { decrypt } from './decrypt';
import { encrypt } from './encrypt';
import { createKey, deleteKey, jwks, unwrapKey } from './keys';
import { mac } from './mac';
import { sign, verify } from './sign';

/**
 * The `/v1/crypto` routes. Every POST answers 200 (the vendor's contract, not Nest's 201), DELETE
 * 204; each handler authenticates, then hands the body to its endpoint's translator.
 */
@Controller('v1/crypto')
export class JoseController {
  constructor(
    private readonly keys: KeyOperations,
    private readonly auth: JoseAuth,
  ) {}

  @Post('keys')
  @HttpCode(200)
  async createKey(@Req() req: FastifyRequest, @Body() body: unknown) {
    return createKey(this.keys, await this.auth.context(req), asBody(body));
  }

  @Post('keys/unwrap')
  @HttpCode(200)
  async unwrap(@Req() req: FastifyRequest, @Body() body: unknown) {
    return unwrapKey(this.keys, await this.auth.context(req), asBody(body));
  }

  @Delete('keys/:kid')
  @HttpCode(204)
  async deleteKey(@Req() req: FastifyRequest, @Param('kid') kid: string): Promise<void> {
    await deleteKey(this.keys, await this.auth.context(req), kid);
  }

  @Post('encrypt')
  @HttpCode(200)
  async encrypt(@Req() req: FastifyRequest, @Body() body: unknown) {
    return encrypt(this.keys, await this.auth.context(req), asBody(body));
  }

  @Post('decrypt')
  @HttpCode(200)
  async decrypt(@Req() req: FastifyRequest, @Body() body: unknown) {
    return decrypt(this.keys, await this.auth.context(req), asBody(body));
  }

  @Post('sign')
  @HttpCode(200)
  async sign(@Req() req: FastifyRequest, @Body() body: unknown) {
    return sign(this.keys, await this.auth.context(req), asBody(body));
  }

  @Post('verify')
  @HttpCode(200)
  async verify(@Req() req: FastifyRequest, @Body() body: unknown) {
    return verify(this.keys, await this.auth.context(req), asBody(body));
  }

  @Post('mac')
  @HttpCode(200)
  async mac(@Req() req: FastifyRequest, @Body() body: unknown) {
    return mac(this.keys, await this.auth.context(req), asBody(body));
  }
}

/** The tenant's public keys, where the vendor's later versions serve them. */
@Controller('.well-known')
export class JwksController {
  constructor(
    private readonly keys: KeyOperations,
    private readonly auth: JoseAuth,
  ) {}

  @Get('jwks.json')
  async jwks(@Req() req: FastifyRequest) {
    return jwks(this.keys, await this.auth.context(req));
  }
}
