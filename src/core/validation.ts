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

export function validationError(fields: FieldProblem[]): AppError {
  return new AppError(
    400,
    'ERR_VALIDATION',
    `invalid input: ${fields.map((f) => `${f.field} (${f.problems.join('; ')})`).join(', ')}`,
    { details: { fields } },
  );
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
