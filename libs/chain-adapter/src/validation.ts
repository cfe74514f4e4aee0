// Validation of chain values in request bodies, with the chain's own rules (ethers): an address
// must be 20 bytes of hex, and a mixed-case one must carry a valid EIP-55 checksum.
import { ValidateBy, type ValidationOptions } from 'class-validator';
import { normaliseAddress } from './ids.js';

export function IsAddress(validationOptions?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isAddress',
      validator: {
        validate: (value: unknown) => typeof value === 'string' && /^0x[0-9a-fA-F]{40}$/.test(value) && normaliseAddress(value) !== undefined,
        defaultMessage: (args) => `${args?.property} must be a 0x-prefixed 20-byte hex address (a mixed-case one with a valid EIP-55 checksum)`,
      },
    },
    validationOptions,
  );
}
