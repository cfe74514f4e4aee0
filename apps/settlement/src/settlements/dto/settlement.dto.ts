import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, ArrayUnique, IsArray, IsDateString, IsIn, IsInt, IsOptional, IsString, Length, Matches, Max, Min, ValidateIf } from 'class-validator';
import { maxBillsPerSettlement } from '#chain-adapter';
import { ChainProofDto, PageQuery, SignedWriteDto } from '#common';

/** The contracts' maximum (CreditLedger.MAX_BILLS_PER_SETTLEMENT). */
export const MAX_BILLS_PER_SETTLEMENT = maxBillsPerSettlement;

export class CreateSettlementDto extends SignedWriteDto {
  @ApiProperty({ description: "The credit line; its enterprise's organisation calls and the enterprise signs" })
  @Matches(/^0x[0-9a-fA-F]{64}$/, { message: 'lineId must be a 0x-prefixed 32-byte hex id' })
  lineId: string;

  @ApiPropertyOptional({ description: `UNSETTLED bills of the line, 1 to ${MAX_BILLS_PER_SETTLEMENT} (or cutOff instead)`, type: [String] })
  @ValidateIf((body: CreateSettlementDto) => body.cutOff === undefined || body.billIds !== undefined)
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_BILLS_PER_SETTLEMENT)
  @ArrayUnique()
  @Matches(/^0x[0-9a-fA-F]{64}$/, { each: true, message: 'each bill id must be a 0x-prefixed 32-byte hex id' })
  billIds?: string[];

  @ApiPropertyOptional({ example: '2026-12-31T00:00:00Z', description: `All UNSETTLED bills of the line due up to this time (the oldest ${MAX_BILLS_PER_SETTLEMENT}), resolved into ids before signing` })
  @ValidateIf((body: CreateSettlementDto) => body.billIds === undefined || body.cutOff !== undefined)
  @IsDateString({ strict: true })
  cutOff?: string;

  @ApiProperty({ enum: ['TOKEN', 'OFFCHAIN'] })
  @IsIn(['TOKEN', 'OFFCHAIN'])
  method: 'TOKEN' | 'OFFCHAIN';

  @ApiPropertyOptional({ description: "TOKEN: a class of the line's currency that the merchant accepts; locked in escrow at once" })
  @ValidateIf((body: CreateSettlementDto) => body.method === 'TOKEN' || body.tokenClassId !== undefined)
  @Matches(/^[1-9][0-9]{0,77}$/, { message: 'tokenClassId must be a token class id (decimal)' })
  tokenClassId?: string;

  @ApiPropertyOptional({ example: 'WIRE-2026-11-27-001', description: 'OFFCHAIN: the bank-transfer reference (the chain keeps its hash)' })
  @ValidateIf((body: CreateSettlementDto) => body.method === 'OFFCHAIN' || body.bankReference !== undefined)
  @IsString()
  @Length(1, 140)
  bankReference?: string;

  @ApiPropertyOptional({ example: '2026-12-04T00:00:00Z', description: "When the merchant's time to answer ends (default: 7 days of chain time; at most 90)" })
  @IsOptional()
  @IsDateString({ strict: true })
  responseDeadline?: string;
}

export class SettlementDecisionDto extends SignedWriteDto {}

export class RejectSettlementDto extends SignedWriteDto {
  @ApiProperty({ example: 2, description: "The merchant's reason code (1-65535)" })
  @IsInt()
  @Min(1)
  @Max(65535)
  reasonCode: number;
}

export class SettlementDto {
  @ApiProperty({ description: 'The operation id of the initiation' }) id: string;
  @ApiProperty() lineId: string;
  @ApiProperty() enterprise: string;
  @ApiProperty() enterpriseOrgId: string;
  @ApiProperty() merchant: string;
  @ApiProperty() merchantOrgId: string;
  @ApiProperty({ example: 'USD' }) currency: string;
  @ApiProperty({ enum: ['TOKEN', 'OFFCHAIN'] }) method: string;
  @ApiPropertyOptional({ nullable: true }) tokenClassId: string | null;
  @ApiPropertyOptional({ nullable: true, description: 'Shown to the parties' }) bankReference: string | null;
  @ApiPropertyOptional({ nullable: true }) bankReferenceHash: string | null;
  @ApiProperty() total: string;
  @ApiProperty({ type: [String] }) billIds: string[];
  @ApiProperty() responseDeadline: string;
  @ApiProperty({ enum: ['INITIATED', 'CONFIRMED', 'REJECTED', 'CANCELLED'] }) status: string;
  @ApiPropertyOptional({ nullable: true }) reasonCode: number | null;
  @ApiProperty() initiatedAt: string;
  @ApiPropertyOptional({ nullable: true }) decidedAt: string | null;
  @ApiProperty({ type: ChainProofDto }) chain: ChainProofDto;
  @ApiProperty({ type: ChainProofDto }) lastChange: ChainProofDto;
}

export class SettlementPageDto {
  @ApiProperty({ type: [SettlementDto] }) items: SettlementDto[];
  @ApiPropertyOptional({ nullable: true }) nextCursor: string | null;
}

export class ListSettlementsQuery extends PageQuery {
  @ApiPropertyOptional() @IsOptional() @Matches(/^0x[0-9a-fA-F]{64}$/) lineId?: string;
  @ApiPropertyOptional({ enum: ['INITIATED', 'CONFIRMED', 'REJECTED', 'CANCELLED'] })
  @IsOptional()
  @IsIn(['INITIATED', 'CONFIRMED', 'REJECTED', 'CANCELLED'])
  status?: string;
  @ApiPropertyOptional({ enum: ['TOKEN', 'OFFCHAIN'] }) @IsOptional() @IsIn(['TOKEN', 'OFFCHAIN']) method?: string;
}
