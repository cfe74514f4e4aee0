import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, Matches } from 'class-validator';
import { IsAddress } from '#chain-adapter';
import {
  ChainProofDto,
  IsAmount,
  PageQuery,
  SignedWriteDto,
} from '#common';

export class AdjustLimitDto extends SignedWriteDto {
  @ApiProperty({ example: '300000', description: 'The new limit in minor units; never below used. The merchant signs.' })
  @IsAmount({ positive: true })
  limit: string;
}

export class CloseCreditLineDto extends SignedWriteDto {
  @ApiProperty({ enum: ['MERCHANT', 'ENTERPRISE'], description: 'The merchant closes at any time; the enterprise only a line with nothing used' })
  @IsIn(['MERCHANT', 'ENTERPRISE'])
  actor: 'MERCHANT' | 'ENTERPRISE';
}

export class CreditLineDto {
  @ApiProperty({ description: 'The id of the application it came from' }) id: string;
  @ApiProperty() creditAccountId: string;
  @ApiProperty() enterprise: string;
  @ApiProperty() enterpriseOrgId: string;
  @ApiProperty() merchant: string;
  @ApiProperty() merchantOrgId: string;
  @ApiProperty({ example: 'USD' }) currency: string;
  @ApiProperty({ example: '400000' }) limit: string;
  @ApiProperty({ example: '0' }) used: string;
  @ApiProperty({ example: '400000', description: 'limit − used (the credit account ceiling may allow less)' }) available: string;
  @ApiProperty({ example: 30 }) termDays: number;
  @ApiProperty() expiresAt: string;
  @ApiProperty({ description: 'ACTIVE and not expired at the latest block: takes new payments' }) usable: boolean;
  @ApiProperty({ enum: ['ACTIVE', 'SUSPENDED', 'CLOSED'] }) status: string;
  @ApiProperty({ example: [80, 100] }) utilisationThresholds: number[];
  @ApiProperty() openedAt: string;
  @ApiProperty({ type: ChainProofDto }) chain: ChainProofDto;
  @ApiProperty({ type: ChainProofDto }) lastChange: ChainProofDto;
}

export class CreditLinePageDto {
  @ApiProperty({ type: [CreditLineDto] }) items: CreditLineDto[];
  @ApiPropertyOptional({ nullable: true }) nextCursor: string | null;
}

export class ListCreditLinesQuery extends PageQuery {
  @ApiPropertyOptional() @IsOptional() @IsAddress() enterprise?: string;
  @ApiPropertyOptional() @IsOptional() @IsAddress() merchant?: string;
  @ApiPropertyOptional({ enum: ['ACTIVE', 'SUSPENDED', 'CLOSED'] })
  @IsOptional()
  @IsIn(['ACTIVE', 'SUSPENDED', 'CLOSED'])
  status?: string;
  @ApiPropertyOptional({ example: 'USD' }) @IsOptional() @Matches(/^[A-Z]{3}$/) currency?: string;
}
