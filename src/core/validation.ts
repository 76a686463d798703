import { ValidationError, ValidationPipe } from '@nestjs/common';
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

/** Whitelisting, transforming validation with the node's `ERR_VALIDATION` body listing the fields. */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    exceptionFactory: (errors) => validationError(flatten(errors)),
  });
}
