import { type PipeTransform, ValidationPipe, type ValidationError } from '@nestjs/common';
import { fastDtoPipe } from './dto-check';

/**
 * A DTO pipe (class-validator + class-transformer) whose refusal is the dialect's own error.
 * `toError` receives the failures of the first property that broke a rule (constraints in their
 * declaration order), so a dialect can answer with the message its vendor gives for that check.
 * A body every rule accepts takes the fast path of dto-check.ts (the full pipe costs over 10% of a
 * hot route); any other goes through Nest's ValidationPipe, which words the refusal.
 */
export function dialectValidationPipe(toError: (errors: ValidationError[]) => unknown): PipeTransform {
  return fastDtoPipe(
    new ValidationPipe({
      transform: true,
      // Vendors ignore fields they do not know; so do we (no whitelist), and a missing body is `{}`.
      forbidUnknownValues: false,
      stopAtFirstError: true,
      validationError: { target: false, value: false },
      exceptionFactory: toError,
    }),
  );
}

/** The first broken rule's message, as class-validator words it (or the DTO's own message). */
export function firstConstraint(errors: ValidationError[]): { property: string; rule: string; message: string } | null {
  for (const e of errors) {
    const [rule, message] = Object.entries(e.constraints ?? {})[0] ?? [];
    if (rule && message !== undefined) return { property: e.property, rule, message };
    const nested = firstConstraint(e.children ?? []);
    if (nested) return { ...nested, property: `${e.property}.${nested.property}` };
  }
  return null;
}
