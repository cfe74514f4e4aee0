import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** The chain position of a recorded (or rejected) operation. */
export class ChainProofDto {
  @ApiProperty({ example: '31337' }) chainId: string;
  @ApiProperty({ example: '42' }) blockNumber: string;
  @ApiProperty({ example: '0x…' }) txHash: string;
  @ApiProperty({ example: 0 }) logIndex: number;
}

/** GET /v1/operations/{id}, and the body of a 202. */
export class OperationStatusDto {
  @ApiProperty() operationId: string;
  @ApiProperty({ example: 'account.register' }) kind: string;
  @ApiProperty({ enum: ['PENDING', 'SUBMITTED', 'RECORDED', 'REJECTED'] }) status: string;
  @ApiProperty({ description: 'The resource the operation creates or changes' }) resourceId: string;
  @ApiPropertyOptional({ type: ChainProofDto, nullable: true }) chain: ChainProofDto | null;
  @ApiPropertyOptional({ nullable: true, description: 'Stable error code when REJECTED' }) errorCode: string | null;
  @ApiPropertyOptional({ nullable: true }) errorDetails: Record<string, unknown> | null;
  @ApiProperty({ example: '/v1/operations/0x…' }) statusUrl: string;
}
