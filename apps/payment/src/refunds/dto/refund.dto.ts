import { ApiProperty } from '@nestjs/swagger';
import { Matches } from 'class-validator';
import { ChainProofDto, IsAmount, SignedWriteDto } from '#common';
import { PaymentDto } from '../../payments/dto/payment.dto.js';

export class CreateRefundDto extends SignedWriteDto {
  @ApiProperty({ description: "A credit payment to a merchant of the calling organisation; the merchant signs" })
  @Matches(/^0x[0-9a-fA-F]{64}$/, { message: 'paymentId must be a 0x-prefixed 32-byte hex id' })
  paymentId: string;

  @ApiProperty({ example: '2500', description: 'At most what is still outstanding on the payment' })
  @IsAmount({ positive: true })
  amount: string;
}

export class RefundDto {
  @ApiProperty({ description: 'The refund operation id' }) id: string;
  @ApiProperty() paymentId: string;
  @ApiProperty() amount: string;
  @ApiProperty() recordedAt: string;
  @ApiProperty({ type: ChainProofDto }) chain: ChainProofDto;
  @ApiProperty({ type: PaymentDto, description: 'The payment after the refund' }) payment: PaymentDto;
}
