import { ArgumentMetadata, ValidationError, ValidationPipe } from '@nestjs/common';
import { AppError } from './errors/app-error';

export interface FieldProblem {
  field: string;
  problems: string[];
}

function flatten(errors: ValidationError[], prefix = ''): FieldProblem[] {
  return errors.flatMap((e) => {
    const field = prefix ? `${prefix}.${e.property}` : e.property;
    const own = e.constraints ? [{ field, problems: Object.values(e.constraints) }] : [];
    return [...own, ...flatten(e.children ?? [], field)];
  });
}

/**
 * The one way to build a validation error: 400 ERR_VALIDATION whose `fields` list each field with
 * its problems (DTO validation, CRUD bodies, path and header checks alike).
 */
export function validationError(fields: FieldProblem[], message = `invalid input: ${fields.map((f) => `${f.field} (${f.problems.join('; ')})`).join(', ')}`): AppError {
  return AppError.of('ERR_VALIDATION', message, { details: { fields } });
}

/** A validation error of one field, e.g. invalidField('remoteNodeId', 'must be a UUID'). */
export function invalidField(field: string, problem: string): AppError {
  return validationError([{ field, problems: [problem] }], `${field} ${problem}`);
}

/** Deepest nesting of arrays and objects any input may have (no DTO of the node needs more than a few). */
export const MAX_INPUT_DEPTH = 32;

/** Whether a parsed JSON value nests deeper than `limit` (iterative: a deep value cannot overflow the check). */
export function nestsDeeperThan(value: unknown, limit: number): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [current, depth] = stack.pop()!;
    if (current === null || typeof current !== 'object') continue;
    if (depth >= limit) return true;
    for (const child of Object.values(current)) if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
  }
  return false;
}

/**
 * ValidationPipe that first refuses inputs nested deeper than MAX_INPUT_DEPTH: class-transformer and
 * class-validator recurse per level, and a deep enough body overflows the stack (a 500 before).
 */
class BoundedValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (nestsDeeperThan(value, MAX_INPUT_DEPTH)) {
      throw validationError([{ field: metadata.data ?? metadata.type, problems: [`nested deeper than ${MAX_INPUT_DEPTH} levels`] }]);
    }
    return super.transform(value, metadata);
  }
}

/** Whitelisting, transforming validation with the node's `ERR_VALIDATION` body listing the fields. */
export function createValidationPipe(): ValidationPipe {
  return new BoundedValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    exceptionFactory: (errors) => validationError(flatten(errors)),
  });
}
