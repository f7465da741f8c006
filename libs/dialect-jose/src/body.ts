import { Body, type PipeTransform, type ValidationError } from '@nestjs/common';
import { dialectValidationPipe, firstConstraint } from '@kms/dialect-kit';
import { badRequest } from './errors';
import { UNKNOWN_VARIANT } from './fields';

/**
 * A request body, checked as the vendor's deserializer checks it: a JSON object first (anything
 * else, or no body at all, is one message), then every field's presence and type, then whether the
 * names given are known ones — so a body with a missing `data` and an unknown `alg` is refused
 * for the missing field, whatever the order of the fields. Unknown fields are ignored.
 */
const jsonObject: PipeTransform = {
  transform(value: unknown) {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) throw badRequest('Invalid request body: expected a JSON object');
    return value;
  },
};

/** Shape rules rank before name rules; within a rank, the DTO's field order decides. */
const rank = (e: ValidationError) => (e.constraints && UNKNOWN_VARIANT in e.constraints ? 1 : 0);

const dto = dialectValidationPipe((errors) => {
  const first = firstConstraint([...errors].sort((a, b) => rank(a) - rank(b)));
  return badRequest(first?.message ?? 'Invalid request body');
});

/** The endpoint's DTO, validated: `@JoseBody() body: EncryptDto`. A valid body takes the kit's fast path. */
export const JoseBody = () => Body(jsonObject, dto);
