import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsDateString, IsIn, IsOptional, Matches } from 'class-validator';

export class StatementQuery {
  @ApiProperty() @Matches(/^0x[0-9a-fA-F]{64}$/, { message: 'lineId must be a 0x-prefixed 32-byte hex id' }) lineId: string;
  @ApiProperty({ example: '2026-11-01T00:00:00Z', description: 'Period start (inclusive, chain time)' }) @IsDateString({ strict: true }) from: string;
  @ApiProperty({ example: '2026-12-01T00:00:00Z', description: 'Period end (exclusive)' }) @IsDateString({ strict: true }) to: string;
  @ApiPropertyOptional({ enum: ['json', 'csv'], default: 'json' }) @IsOptional() @IsIn(['json', 'csv']) format?: 'json' | 'csv';
}

export class StatementEntryDto {
  @ApiProperty() occurredAt: string;
  @ApiProperty({ enum: ['PAYMENT', 'REFUND', 'SETTLEMENT'] }) kind: string;
  @ApiProperty({ description: 'The bill (payments, refunds) or the settlement' }) referenceId: string;
  @ApiProperty({ description: 'Signed: + payments, − refunds and settlements' }) amount: string;
  @ApiProperty() txHash: string;
  @ApiProperty() blockNumber: string;
}

export class StatementDto {
  @ApiProperty() lineId: string;
  @ApiProperty() enterprise: string;
  @ApiProperty() merchant: string;
  @ApiProperty() currency: string;
  @ApiProperty() from: string;
  @ApiProperty() to: string;
  @ApiProperty({ description: 'Outstanding at `from`' }) openingBalance: string;
  @ApiProperty() payments: string;
  @ApiProperty() refunds: string;
  @ApiProperty() settlements: string;
  @ApiProperty({ description: 'opening + payments − refunds − settlements' }) closingBalance: string;
  @ApiProperty({ type: [StatementEntryDto] }) entries: StatementEntryDto[];
}
