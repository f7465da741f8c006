import 'reflect-metadata';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { DecryptDto } from './decrypt';
import { compileDtoCheck } from '@kms/dialect-kit';
import { EncryptDto } from './encrypt';
import { CreateKeyDto } from './jwk';
import { UnwrapDto } from './keys';
import { MacDto } from './mac';
import { SignDto, VerifyDto } from './sign';

/**
 * The fast path must accept exactly the bodies class-validator accepts: every DTO, bodies built
 * from values of every JSON type (and the names the tables know), judged both ways.
 */
const DTOS = { EncryptDto, DecryptDto, SignDto, VerifyDto, MacDto, CreateKeyDto, UnwrapDto };
const VALUES: unknown[] = [undefined, null, '', 'YWJj', 'dir', 'A256GCM', 'ES256', 'HS256', 'zz', 'constructor', 0, 5, -1, 1.5, 2048, true, {}, [], ['x']];
const OPTS = { forbidUnknownValues: false, stopAtFirstError: true };

let seed = 0x1d70;
const rand = (n: number) => {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  return seed % n;
};

describe.each(Object.entries(DTOS))('%s', (_, dto) => {
  const check = compileDtoCheck(dto);
  const fields = Object.keys(new (dto as new () => object)());

  it('compiles to a fast check (the hot routes never take the full pipe for a valid body)', () => {
    expect(check).not.toBeNull();
    expect(fields.length).toBeGreaterThan(0);
  });

  it('agrees with class-validator on 3,000 bodies', () => {
    let accepted = 0;
    for (let i = 0; i < 3000; i++) {
      const body: Record<string, unknown> = {};
      // Mostly plausible strings, so that many bodies pass and the name rules are reached.
      for (const f of fields) body[f] = rand(3) ? VALUES[2 + rand(6)] : VALUES[rand(VALUES.length)];
      if (rand(4) === 0) body.extra = VALUES[rand(VALUES.length)];
      const full = validateSync(plainToInstance(dto as new () => object, body), OPTS).length === 0;
      expect([body, check!(body)]).toEqual([body, full]);
      if (full) accepted++;
    }
    expect(accepted).toBeGreaterThan(0);
  });
});
