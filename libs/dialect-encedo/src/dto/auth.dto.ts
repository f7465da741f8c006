import { IsString } from 'class-validator';

/** The login: an eJWT, whose segments and claims verifyEjwt checks (400 shape, 401 MAC). */
export class LoginDto {
  @IsString() auth!: string;
}
