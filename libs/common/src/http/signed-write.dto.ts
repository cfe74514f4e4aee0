// The fields a write carries when the signing party holds its own key (self-custody): the request
// is first answered SIGNATURE_REQUIRED with the typed data; the caller signs it and sends the same
// request again, same Idempotency-Key, with the signature and the deadline it signed.
import { ApiPropertyOptional } from '@nestjs/swagger';
import { Matches, ValidateIf } from 'class-validator';

/** A signature and the deadline it signed come together, or not at all. */
const eitherIsSent = (body: SignedWriteDto) => body.signature !== undefined || body.deadline !== undefined;

export class SignedWriteDto {
  @ApiPropertyOptional({ description: "Self-custody only: the signing party's EIP-712 signature over details.typedData of the SIGNATURE_REQUIRED answer" })
  @ValidateIf(eitherIsSent)
  @Matches(/^0x[0-9a-fA-F]{130}$/, { message: 'signature must be a 0x-prefixed 65-byte hex signature (sent with the deadline it signed)' })
  signature?: string;

  @ApiPropertyOptional({ example: '1795000000', description: 'Self-custody only: the deadline (chain time, seconds) of the signed typed data' })
  @ValidateIf(eitherIsSent)
  @Matches(/^[1-9][0-9]{0,11}$/, { message: 'deadline must be chain time in seconds, as a decimal string (sent with its signature)' })
  deadline?: string;
}
