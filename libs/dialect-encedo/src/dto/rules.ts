import { type ArgumentMetadata, type PipeTransform, applyDecorators } from '@nestjs/common';
import { Transform } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, Min, ValidateBy, ValidateIf } from 'class-validator';
import { dialectValidationPipe, firstConstraint } from '@kms/dialect-kit';
import { hem } from '../hem-error';
import { HEM_TYPES, hemType } from '../key-types';
import { type B64Limits, KID_RE, LIMITS, bodyOf, parseB64, withinLimits } from '../wire';

/**
 * Property rules of the key-management and login bodies. Every broken rule is the same 400 on the wire (notes §6),
 * so the order in which class-validator reports them does not show; the reason goes to the log.
 */

const absent = (v: unknown) => v === undefined || v === null || v === '';
const lower = (v: unknown) => (typeof v === 'string' ? v.toLowerCase() : v);

/** A KID: 32 hex digits; the device emits lowercase and accepts either case. */
export const Kid = () =>
  applyDecorators(
    Transform(({ value }) => lower(value)),
    IsString(),
    Matches(KID_RE),
  );

/** An optional KID; absent, null and '' all mean none. */
export const OptionalKid = () =>
  applyDecorators(
    Transform(({ value }) => (absent(value) ? undefined : lower(value))),
    IsOptional(),
    IsString(),
    Matches(KID_RE),
  );

/** Base64 bytes within limits (standard or URL-safe, padding optional), decoded for the handler. */
export const Bytes = (limits: B64Limits = {}) =>
  applyDecorators(
    Transform(({ value }: { value: unknown }) => parseB64(value) ?? value),
    ValidateBy({
      name: 'hemBytes',
      constraints: [limits],
      validator: {
        validate: (v) => Buffer.isBuffer(v) && withinLimits(v, limits),
        defaultMessage: () => `must be base64 within ${JSON.stringify(limits)}`,
      },
    }),
  );

/** `descr`: base64 of at most 64 bytes, kept as sent (the list and search answer it back); '' is none. */
export const Descr = () =>
  applyDecorators(
    IsOptional(),
    ValidateBy({
      name: 'hemDescr',
      validator: {
        validate: (v) => {
          const bytes = parseB64(v);
          return v === '' || (bytes !== null && withinLimits(bytes, { max: LIMITS.descr }));
        },
        defaultMessage: () => `must be base64 of at most ${LIMITS.descr} bytes`,
      },
    }),
  );

/** Label: printable ASCII, 1-32 characters. */
export const Label = () => applyDecorators(IsString(), Matches(LIMITS.label));

/** A HEM key type name, turned into its table entry. */
export const KeyType = () =>
  applyDecorators(
    Transform(({ value }: { value: unknown }) => hemType(value) ?? value),
    IsIn(HEM_TYPES),
  );

/** A count or offset: a non-negative integer, as a number or a digit string; absent is the default (null is not). */
export const Count = () =>
  applyDecorators(
    Transform(({ value }: { value: unknown }) => (typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value)),
    ValidateIf((_o, v) => v !== undefined),
    IsInt(),
    Min(0),
    Max(1_000_000_000),
  );

/**
 * The pipe of the key-management and login bodies (the crypto routes use field tables, see
 * field-table.ts): a JSON object (an array would pass class-validator untouched), then the DTO's
 * rules; either refusal is HEM's 400, audited by the route's interceptor.
 */
class HemBodyPipe implements PipeTransform {
  private readonly dto = dialectValidationPipe((errors) => {
    const first = firstConstraint(errors);
    return hem(400, first ? `${first.property}: ${first.rule}` : 'body');
  });

  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    bodyOf(value);
    return this.dto.transform(value, metadata);
  }
}

export const HEM_BODY = new HemBodyPipe();
