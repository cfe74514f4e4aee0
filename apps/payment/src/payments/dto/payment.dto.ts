import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsDateString, IsIn, IsObject, IsOptional, Matches, ValidateIf, ValidateNested } from 'class-validator';
import { IsAddress } from '#chain-adapter';
import { ChainProofDto, ErrorBodyDto, IsAmount, OperationStatusDto, PageQuery, SignedWriteDto } from '#common';

export class CreatePaymentDto extends SignedWriteDto {
  @ApiProperty({ enum: ['CREDIT', 'TOKEN'] })
  @IsIn(['CREDIT', 'TOKEN'])
  kind: 'CREDIT' | 'TOKEN';

  @ApiPropertyOptional({ description: "CREDIT: the credit line; its enterprise pays (it signs), its merchant is paid" })
  @ValidateIf((body: CreatePaymentDto) => body.kind === 'CREDIT' || body.lineId !== undefined)
  @Matches(/^0x[0-9a-fA-F]{64}$/, { message: 'lineId must be a 0x-prefixed 32-byte hex id' })
  lineId?: string;

  @ApiPropertyOptional({ description: 'TOKEN: the payer (of the calling organisation); it signs' })
  @ValidateIf((body: CreatePaymentDto) => body.kind === 'TOKEN' || body.payer !== undefined)
  @IsAddress()
  payer?: string;

  @ApiPropertyOptional({ description: 'TOKEN: the merchant paid; CREDIT: optional, must be the line\'s merchant' })
  @ValidateIf((body: CreatePaymentDto) => body.kind === 'TOKEN' || body.payee !== undefined)
  @IsAddress()
  payee?: string;

  @ApiPropertyOptional({ description: 'TOKEN: the class paid in (any organisation\'s class the payee accepts)' })
  @ValidateIf((body: CreatePaymentDto) => body.kind === 'TOKEN' || body.tokenClassId !== undefined)
  @Matches(/^[1-9][0-9]{0,77}$/, { message: 'tokenClassId must be a token class id (decimal)' })
  tokenClassId?: string;

  @ApiProperty({ example: '12500', description: "Minor units of the line's (or the class's) currency" })
  @IsAmount({ positive: true })
  amount: string;
}

/** Payments one POST /v1/payments/batch may carry. */
export const MAX_PAYMENTS_PER_BATCH = 100;

/** A payment of a batch: the fields of POST /v1/payments, with the Idempotency-Key it would have sent. */
export class BatchPaymentDto extends CreatePaymentDto {
  @ApiProperty({ description: 'Unique per payment (1–255 printable ASCII characters), as the Idempotency-Key header of POST /v1/payments: the same key there or in another batch is the same payment' })
  @Matches(/^[\x21-\x7e]{1,255}$/, { message: 'idempotencyKey must be 1-255 printable ASCII characters' })
  idempotencyKey: string;
}

export class CreatePaymentBatchDto {
  @ApiProperty({ type: [BatchPaymentDto], description: `1 to ${MAX_PAYMENTS_PER_BATCH} payments, each with its own idempotencyKey (no two alike)` })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_PAYMENTS_PER_BATCH)
  @IsObject({ each: true, message: 'each payment must be an object' })
  @ValidateNested({ each: true })
  @Type(() => BatchPaymentDto)
  payments: BatchPaymentDto[];
}

export class PaymentDto {
  @ApiProperty({ description: "The payment's operation id; a credit payment's bill has the same id" }) id: string;
  @ApiProperty({ enum: ['CREDIT', 'TOKEN'] }) kind: string;
  @ApiProperty() payer: string;
  @ApiProperty() payerOrgId: string;
  @ApiProperty() payee: string;
  @ApiProperty() payeeOrgId: string;
  @ApiPropertyOptional({ nullable: true }) lineId: string | null;
  @ApiPropertyOptional({ nullable: true }) tokenClassId: string | null;
  @ApiProperty() amount: string;
  @ApiProperty() refunded: string;
  @ApiProperty({ enum: ['UNSETTLED', 'IN_SETTLEMENT', 'SETTLED', 'REFUNDED', 'COMPLETED'], description: "CREDIT: the bill's status; TOKEN: COMPLETED" }) status: string;
  @ApiPropertyOptional({ nullable: true, description: 'CREDIT: when the bill is due (chain time)' }) dueAt: string | null;
  @ApiProperty() recordedAt: string;
  @ApiProperty({ type: ChainProofDto }) chain: ChainProofDto;
  @ApiProperty({ type: ChainProofDto }) lastChange: ChainProofDto;
}

/** What POST /v1/payments would have answered for one payment of a batch. */
export class PaymentBatchResultDto {
  @ApiProperty() idempotencyKey: string;
  @ApiProperty({ example: 201, description: '201 recorded (payment), 202 not yet recorded (operation: poll its statusUrl), or the status of the error (error)' })
  status: number;
  @ApiPropertyOptional({ type: PaymentDto }) payment?: PaymentDto;
  @ApiPropertyOptional({ type: OperationStatusDto }) operation?: OperationStatusDto;
  @ApiPropertyOptional({ type: ErrorBodyDto, description: 'SIGNATURE_REQUIRED (details.typedData to sign), CREDIT_LIMIT_EXCEEDED, IDEMPOTENCY_KEY_REUSED, … as POST /v1/payments answers them' })
  error?: ErrorBodyDto;
}

export class PaymentBatchDto {
  @ApiProperty({ type: [PaymentBatchResultDto], description: "One per payment, in the request's order" }) results: PaymentBatchResultDto[];
}

export class PaymentPageDto {
  @ApiProperty({ type: [PaymentDto] }) items: PaymentDto[];
  @ApiPropertyOptional({ nullable: true }) nextCursor: string | null;
}

export class ListPaymentsQuery extends PageQuery {
  @ApiPropertyOptional() @IsOptional() @IsAddress() payer?: string;
  @ApiPropertyOptional() @IsOptional() @IsAddress() payee?: string;
  @ApiPropertyOptional() @IsOptional() @Matches(/^0x[0-9a-fA-F]{64}$/) lineId?: string;
  @ApiPropertyOptional({ enum: ['CREDIT', 'TOKEN'] }) @IsOptional() @IsIn(['CREDIT', 'TOKEN']) kind?: string;
  @ApiPropertyOptional({ enum: ['UNSETTLED', 'IN_SETTLEMENT', 'SETTLED', 'REFUNDED', 'COMPLETED'] })
  @IsOptional()
  @IsIn(['UNSETTLED', 'IN_SETTLEMENT', 'SETTLED', 'REFUNDED', 'COMPLETED'])
  status?: string;
  @ApiPropertyOptional({ description: 'Recorded at or after (chain time, ISO 8601)' }) @IsOptional() @IsDateString({ strict: true }) from?: string;
  @ApiPropertyOptional({ description: 'Recorded before (chain time, ISO 8601)' }) @IsOptional() @IsDateString({ strict: true }) to?: string;
}
