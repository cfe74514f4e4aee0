import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsDateString, IsOptional, Matches } from 'class-validator';
import { ChainProofDto } from '#common';

export class ClearingPeriodQuery {
  @ApiProperty({ example: '2026-11-01T00:00:00Z', description: 'Settlements confirmed at or after (chain time)' }) @IsDateString({ strict: true }) from: string;
  @ApiProperty({ example: '2026-12-01T00:00:00Z', description: 'Settlements confirmed before' }) @IsDateString({ strict: true }) to: string;
  @ApiPropertyOptional({ example: 'USD' }) @IsOptional() @Matches(/^[A-Z]{3}$/) currency?: string;
}

export class AnchorClearingReportDto {
  @ApiProperty({ example: '2026-11-01T00:00:00Z' }) @IsDateString({ strict: true }) from: string;
  @ApiProperty({ example: '2026-12-01T00:00:00Z' }) @IsDateString({ strict: true }) to: string;
}

export class ClearingPositionDto {
  @ApiProperty({ description: 'The organisation whose tokens settled bills of the other: it owes' }) debtorOrgId: string;
  @ApiProperty({ description: "The merchants' organisation: it is owed" }) creditorOrgId: string;
  @ApiProperty({ example: 'USD' }) currency: string;
  @ApiProperty({ description: 'Net amount, minor units' }) amount: string;
  @ApiProperty() settlementCount: number;
}

export class ClearingEntryDto {
  @ApiProperty() settlementId: string;
  @ApiProperty() debtorOrgId: string;
  @ApiProperty() creditorOrgId: string;
  @ApiProperty() currency: string;
  @ApiProperty() amount: string;
  @ApiPropertyOptional({ type: [String], description: 'Merkle proof of this entry against the root (verify with Settlements.verifyClearingEntry)' }) proof?: string[];
  @ApiPropertyOptional({ description: 'The leaf: keccak256(keccak256(abi.encode(settlementId, debtorOrgId, creditorOrgId, currency, amount)))' }) leaf?: string;
}

export class ClearingPositionsDto {
  @ApiProperty() from: string;
  @ApiProperty() to: string;
  @ApiProperty({ type: [ClearingPositionDto] }) positions: ClearingPositionDto[];
  @ApiProperty({ type: [ClearingEntryDto], description: "The settlements behind the positions (an organisation sees its own)" }) entries: ClearingEntryDto[];
  @ApiPropertyOptional({ nullable: true, description: 'Merkle root of all the entries of the period (null when there are none)' }) root: string | null;
}

export class ClearingReportDto extends ClearingPositionsDto {
  @ApiProperty({ description: 'The operation id of the anchoring' }) id: string;
  @ApiProperty() settlementCount: number;
  @ApiProperty({ description: 'The entries recomputed from the views give the anchored root' }) matchesChain: boolean;
  @ApiProperty({ type: ChainProofDto }) chain: ChainProofDto;
}
