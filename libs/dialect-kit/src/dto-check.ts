import type { ArgumentMetadata, PipeTransform, ValidationPipe } from '@nestjs/common';
import { ValidationTypes, getMetadataStorage, type ValidationArguments } from 'class-validator';

/** Whether a parsed body passes every rule of its DTO. */
type DtoCheck = (body: Record<string, unknown>) => boolean;

interface PropertyRules {
  property: string;
  /** `@IsOptional()` and the like: when one says no, the property's rules are skipped. */
  conditions: ((object: object, value: unknown) => boolean)[];
  rules: { validate: (value: unknown, args: ValidationArguments) => unknown; constraints: unknown[] }[];
}

/**
 * A DTO's class-validator rules, read once from class-validator's own metadata and run straight on
 * the parsed body with class-validator's own predicates. It only answers "every rule passes";
 * a refusal is left to the full pipe, which words it. Why: the full pipe (class-transformer's copy
 * into an instance, then the asynchronous executor) costs 9-13 µs a request in process, over 10% of
 * the encrypt route's budget at 9,000 requests a second; this costs about 0.3 µs.
 *
 * Flat DTOs only: a rule this cannot run exactly as class-validator does (nested, `each`, groups,
 * `always`, `validateIf`, asynchronous) makes it return null, and that DTO always takes the full
 * pipe. DTOs must not use class-transformer decorators (@Type, @Transform): the fast path checks
 * the body as sent. `dto-check.spec.ts` holds both paths to the same verdict.
 */
export function compileDtoCheck(dto: abstract new () => unknown): DtoCheck | null {
  const storage = getMetadataStorage();
  const metadatas = storage.getTargetValidationMetadatas(dto, '', false, false, undefined);
  const properties: PropertyRules[] = [];
  for (const [property, list] of Object.entries(storage.groupByPropertyName(metadatas))) {
    const entry: PropertyRules = { property, conditions: [], rules: [] };
    for (const m of list) {
      if (m.each || m.always || m.groups?.length || (m as { validateIf?: unknown }).validateIf) return null;
      if (m.type === ValidationTypes.CONDITIONAL_VALIDATION) {
        entry.conditions.push(m.constraints[0] as PropertyRules['conditions'][number]);
        continue;
      }
      if (m.type !== ValidationTypes.IS_DEFINED && m.type !== ValidationTypes.CUSTOM_VALIDATION) return null;
      for (const c of storage.getTargetValidatorConstraints(m.constraintCls)) {
        if (c.async) return null;
        const instance = c.instance as PropertyRules['rules'][number];
        entry.rules.push({ validate: (value, args) => instance.validate(value, args), constraints: m.constraints });
      }
    }
    properties.push(entry);
  }
  const targetName = dto.name;
  return (body) => {
    for (const { property, conditions, rules } of properties) {
      const value = body[property];
      if (!conditions.every((ok) => ok(body, value))) continue;
      for (const { validate, constraints } of rules) {
        // A predicate that answers anything but true (a promise included) sends the body to the full pipe.
        if (validate(value, { targetName, property, object: body, value, constraints }) !== true) return false;
      }
    }
    return true;
  };
}

/**
 * A DTO pipe that lets a body every rule accepts through as it is (typed as its DTO, not an
 * instance of it) and hands any other to `full`, the dialect's validation pipe, which refuses it
 * with the dialect's own error.
 */
export function fastDtoPipe(full: ValidationPipe): PipeTransform {
  const checks = new Map<unknown, DtoCheck | null>();
  return {
    transform(value: Record<string, unknown>, metadata: ArgumentMetadata) {
      const dto = metadata.metatype as (abstract new () => unknown) | undefined;
      if (!dto) return full.transform(value, metadata);
      let check = checks.get(dto);
      if (check === undefined) {
        check = compileDtoCheck(dto);
        checks.set(dto, check);
      }
      return check?.(value) ? value : full.transform(value, metadata);
    },
  };
}
