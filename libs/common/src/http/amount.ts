// Validation of amounts in request bodies: decimal strings of a uint256, in the currency's minor units.
import { ValidateBy, type ValidationOptions } from 'class-validator';
import { parseAmount } from '../money/money.js';

/** A decimal string of a non-negative integer that fits a uint256; `positive` also refuses "0". */
export function IsAmount(options: { positive?: boolean } = {}, validationOptions?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isAmount',
      validator: {
        validate: (value: unknown) => {
          const amount = parseAmount(value);
          return amount !== undefined && (!options.positive || amount > 0n);
        },
        defaultMessage: (args) =>
          `${args?.property} must be a decimal string of ${options.positive ? 'a positive' : 'a non-negative'} integer in minor units (at most 78 digits)`,
      },
    },
    validationOptions,
  );
}
