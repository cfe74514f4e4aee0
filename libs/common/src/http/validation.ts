import { ValidationPipe, type ValidationError } from '@nestjs/common';
import { TallyError } from '../errors/tally-error.js';

function flatten(errors: ValidationError[], prefix = ''): Record<string, string[]> {
  const fields: Record<string, string[]> = {};
  for (const error of errors) {
    const path = prefix ? `${prefix}.${error.property}` : error.property;
    if (error.constraints) fields[path] = Object.values(error.constraints);
    if (error.children?.length) Object.assign(fields, flatten(error.children, path));
  }
  return fields;
}

/** Validates and transforms DTOs; unknown fields are refused; failures are VALIDATION_FAILED with the fields. */
export function validationPipe(): ValidationPipe {
  return new ValidationPipe({
    transform: true,
    whitelist: true,
    forbidNonWhitelisted: true,
    exceptionFactory: (errors) => new TallyError('VALIDATION_FAILED', { fields: flatten(errors) }),
  });
}
