import { Body, Controller, Get, HttpCode, Post, UseInterceptors } from '@nestjs/common';
import { DIALECT } from './auth/caller';
import { verifyEjwt } from './auth/ejwt';
import { LoginThrottleInterceptor } from './auth/login-throttle.interceptor';
import { LoginDto } from './dto/auth.dto';
import { HEM_BODY } from './dto/rules';
import { EncedoService } from './encedo.service';
import { hem } from './hem-error';
import { eventName } from './log-events';

const nowS = () => Math.floor(Date.now() / 1000);

/** Local login (notes §2.2): a challenge, then an eJWT signed with K = X25519(user, spk). */
@Controller('api/auth')
export class AuthController {
  constructor(private readonly svc: EncedoService) {}

  @Get('token')
  async challenge() {
    const { jti, exp } = await this.svc.challenges.issue(nowS());
    return { exp, spk: this.svc.identity.spk, jti, lbl: 'kms-gateway', eid: this.svc.identity.eid };
  }

  @Post('token')
  @HttpCode(200)
  @UseInterceptors(LoginThrottleInterceptor)
  async login(@Body(HEM_BODY) dto: LoginDto) {
    return { token: await this.issue(dto.auth) };
  }

  private async issue(auth: string): Promise<string> {
    const claims = verifyEjwt(auth, this.svc.identity.session);
    const now = nowS();
    // Nonce known, unexpired, unused; `aud` the current spk (a client replaying a login made for
    // another process's session key gets 401, not a token).
    if (!(await this.svc.challenges.consume(claims.jti, now)) || claims.aud !== this.svc.identity.spk) throw hem(401, 'nonce');
    const user = await this.svc.tenants.resolve('encedo-user', claims.iss);
    if (!user) throw hem(401, 'unknown user key');
    const { tokenLifetimeS, tokenMaxLifetimeS } = this.svc.options;
    // eJWT exp becomes the token's (0 → the default lifetime), capped; a past exp is refused.
    const exp = claims.exp === 0 ? now + tokenLifetimeS : Math.min(claims.exp, now + tokenMaxLifetimeS);
    if (exp <= now) throw hem(401, 'expired');
    const token = await this.svc.tokens.issue({ scope: claims.scope, usr: claims.iss, iat: now, exp, ctx: claims.ctx });
    // A success is the device's LOG_TYPE_AUTH_SUCCESS_INTERNAL; failures are not logged (no tenant yet).
    const ctx = { tenantId: user.tenantId, dialect: DIALECT, principal: claims.iss, event: eventName('AUTH_SUCCESS_INTERNAL', 'OK') };
    await this.svc.keys.succeeded(ctx, 'login');
    return token;
  }
}
