import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsDateString, IsIn, IsOptional, Matches } from 'class-validator';
import { IsAddress } from '#chain-adapter';
import { ChainProofDto, PageQuery } from '#common';

export class BillDto {
  @ApiProperty({ description: "The credit payment's id" }) id: string;
  @ApiProperty() lineId: string;
  @ApiProperty() enterprise: string;
  @ApiProperty() enterpriseOrgId: string;
  @ApiProperty() merchant: string;
  @ApiProperty() merchantOrgId: string;
  @ApiProperty({ example: 'USD' }) currency: string;
  @ApiProperty() amount: string;
  @ApiProperty() refunded: string;
  @ApiProperty({ description: 'amount − refunded while not SETTLED or REFUNDED, else 0' }) outstanding: string;
  @ApiProperty({ enum: ['UNSETTLED', 'IN_SETTLEMENT', 'SETTLED', 'REFUNDED'] }) status: string;
  @ApiPropertyOptional({ nullable: true }) settlementId: string | null;
  @ApiProperty({ description: 'Payment time + the line\'s term (chain time)' }) dueAt: string;
  @ApiProperty({ description: 'Due date passed while not SETTLED or REFUNDED (derived, chain time)' }) overdue: boolean;
  @ApiProperty() recordedAt: string;
  @ApiProperty({ type: ChainProofDto }) chain: ChainProofDto;
  @ApiProperty({ type: ChainProofDto }) lastChange: ChainProofDto;
}

export class BillTotalsDto {
  @ApiProperty({ description: 'Bills matching the filters (all pages)' }) count: number;
  @ApiProperty() amount: string;
  @ApiProperty() outstanding: string;
}

export class BillPageDto {
  @ApiProperty({ type: [BillDto] }) items: BillDto[];
  @ApiPropertyOptional({ nullable: true }) nextCursor: string | null;
  @ApiProperty({ type: BillTotalsDto }) totals: BillTotalsDto;
}

export class ListBillsQuery extends PageQuery {
  @ApiPropertyOptional() @IsOptional() @Matches(/^0x[0-9a-fA-F]{64}$/) lineId?: string;
  @ApiPropertyOptional({ enum: ['UNSETTLED', 'IN_SETTLEMENT', 'SETTLED', 'REFUNDED'] })
  @IsOptional()
  @IsIn(['UNSETTLED', 'IN_SETTLEMENT', 'SETTLED', 'REFUNDED'])
  status?: string;
  @ApiPropertyOptional({ description: 'The other party: an enterprise or merchant address' }) @IsOptional() @IsAddress() counterparty?: string;
  @ApiPropertyOptional({ description: 'Recorded at or after (ISO 8601)' }) @IsOptional() @IsDateString({ strict: true }) from?: string;
  @ApiPropertyOptional({ description: 'Recorded before (ISO 8601)' }) @IsOptional() @IsDateString({ strict: true }) to?: string;
  @ApiPropertyOptional({ enum: ['true', 'false'], description: 'Only overdue (true) or only not overdue (false) bills' }) @IsOptional() @IsIn(['true', 'false']) overdue?: 'true' | 'false';
}
