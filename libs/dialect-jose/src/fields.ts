import { applyDecorators } from '@nestjs/common';
import { IsDefined, IsInt, IsOptional, IsString, Min, ValidateBy, type ValidationArguments } from 'class-validator';

/**
 * The rules a JOSE request body's fields follow, worded as the vendor's deserializer words its
 * refusals (notes §2.0). Each decorator lists its checks in the order they run: class-validator
 * keeps a property's rules in the order they were registered, and `applyDecorators` registers
 * them as written, so a number in `alg` is "must be a string", never "unknown variant `5`".
 */
const missing = ({ property }: ValidationArguments) => `Invalid request body: missing field \`${property}\``;
const notString = ({ property }: ValidationArguments) => `Invalid request body: field \`${property}\` must be a string`;
const notUint = ({ property }: ValidationArguments) => `Invalid request body: field \`${property}\` must be a non-negative integer`;

/** The rule name of a name-table check: the body pipe reports it after every shape error (body.ts). */
export const UNKNOWN_VARIANT = 'unknownVariant';

/** Present (null counts as absent, as for the vendor) and a string. */
export const RequiredString = () => applyDecorators(IsDefined({ message: missing }), IsString({ message: notString }));

/** Absent, null, or a string. */
export const OptionalString = () => applyDecorators(IsOptional(), IsString({ message: notString }));

/** Absent, null, or an integer >= 0. */
export const OptionalUint = () => applyDecorators(IsOptional(), IsInt({ message: notUint }), Min(0, { message: notUint }));

/** A required string that must also be one of the names `known` accepts (an algorithm table). */
export const RequiredName = (known: (name: string) => boolean) =>
  applyDecorators(
    RequiredString(),
    ValidateBy({
      name: UNKNOWN_VARIANT,
      validator: {
        validate: (value: string) => known(value),
        defaultMessage: ({ value }: ValidationArguments) => `Invalid request body: unknown variant \`${value as string}\``,
      },
    }),
  );
