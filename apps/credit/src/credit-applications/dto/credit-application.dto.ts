import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayUnique, IsArray, IsDateString, IsIn, IsInt, IsOptional, IsString, Length, Matches, Max, Min, ValidateIf } from 'class-validator';
import { IsAddress } from '#chain-adapter';
import {
  ChainProofDto,
  IsAmount,
  PageQuery,
  SignedWriteDto,
} from '#common';
import { MAX_UTILISATION_THRESHOLDS } from '../../credit-lines/utilisation.js';

export const MAX_TERM_DAYS = 3650;

export class CreateCreditApplicationDto extends SignedWriteDto {
  @ApiProperty({ description: "The applying enterprise's account (of the calling organisation); it signs the application" })
  @IsAddress()
  enterprise: string;

  @ApiProperty({ description: "The merchant's account (of any organisation)" })
  @IsAddress()
  merchant: string;

  @ApiProperty({ example: 'USD' })
  @Matches(/^[A-Z]{3}$/, { message: 'currency must be an ISO 4217 code of three upper-case letters' })
  currency: string;

  @ApiProperty({ example: '500000', description: 'Requested limit in minor units' })
  @IsAmount({ positive: true })
  requestedLimit: string;

  @ApiProperty({ example: 30, description: 'Payment term: a bill is due this many days after its payment' })
  @IsInt()
  @Min(1)
  @Max(MAX_TERM_DAYS)
  termDays: number;

  @ApiProperty({ example: '2027-06-30T00:00:00Z', description: 'When the line expires (chain time); no new payments after it' })
  @IsDateString({ strict: true })
  expiresAt: string;

  @ApiProperty({ example: 'PO-2026-0042', description: "The enterprise's reference; the chain keeps its keccak256" })
  @IsString()
  @Length(1, 200)
  reference: string;

  @ApiPropertyOptional({ example: [80, 100], description: 'Percentages of the limit at which credit-line.utilisation-crossed goes out (default 80 and 100)' })
  @IsOptional()
  @IsArray()
  @ArrayUnique()
  @ArrayMaxSize(MAX_UTILISATION_THRESHOLDS)
  @IsInt({ each: true })
  @Min(1, { each: true })
  @Max(100, { each: true })
  utilisationThresholds?: number[];
}

export class CreditDecisionDto extends SignedWriteDto {
  @ApiProperty({ enum: ['APPROVE', 'REJECT'] })
  @IsIn(['APPROVE', 'REJECT'])
  outcome: 'APPROVE' | 'REJECT';

  @ApiPropertyOptional({ example: '400000', description: 'APPROVE only: the granted limit, at most the requested limit' })
  @ValidateIf((body: CreditDecisionDto) => body.outcome === 'APPROVE' || body.limit !== undefined)
  @IsAmount({ positive: true })
  limit?: string;

  @ApiPropertyOptional({ example: 3, description: "REJECT only: the merchant's reason code (1-65535)" })
  @ValidateIf((body: CreditDecisionDto) => body.outcome === 'REJECT' || body.reasonCode !== undefined)
  @IsInt()
  @Min(1)
  @Max(65535)
  reasonCode?: number;
}

export class CreditApplicationDto {
  @ApiProperty({ description: 'The operation id of the application; also the id of the line it opens' }) id: string;
  @ApiProperty() enterprise: string;
  @ApiProperty() enterpriseOrgId: string;
  @ApiProperty() merchant: string;
  @ApiProperty() merchantOrgId: string;
  @ApiProperty({ example: 'USD' }) currency: string;
  @ApiProperty({ example: '500000' }) requestedLimit: string;
  @ApiProperty({ example: 30 }) termDays: number;
  @ApiProperty() expiresAt: string;
  @ApiPropertyOptional({ nullable: true, description: 'Shown to the organisation that submitted it' }) reference: string | null;
  @ApiProperty() referenceHash: string;
  @ApiProperty({ enum: ['SUBMITTED', 'APPROVED', 'REJECTED', 'WITHDRAWN'] }) status: string;
  @ApiPropertyOptional({ nullable: true }) approvedLimit: string | null;
  @ApiPropertyOptional({ nullable: true }) reasonCode: number | null;
  @ApiPropertyOptional({ nullable: true, description: 'The credit line, once approved' }) lineId: string | null;
  @ApiProperty() submittedAt: string;
  @ApiPropertyOptional({ nullable: true }) decidedAt: string | null;
  @ApiProperty({ type: ChainProofDto }) chain: ChainProofDto;
  @ApiProperty({ type: ChainProofDto }) lastChange: ChainProofDto;
}

export class CreditApplicationPageDto {
  @ApiProperty({ type: [CreditApplicationDto] }) items: CreditApplicationDto[];
  @ApiPropertyOptional({ nullable: true }) nextCursor: string | null;
}

export class ListCreditApplicationsQuery extends PageQuery {
  @ApiPropertyOptional() @IsOptional() @IsAddress() enterprise?: string;
  @ApiPropertyOptional() @IsOptional() @IsAddress() merchant?: string;
  @ApiPropertyOptional({ enum: ['SUBMITTED', 'APPROVED', 'REJECTED', 'WITHDRAWN'] })
  @IsOptional()
  @IsIn(['SUBMITTED', 'APPROVED', 'REJECTED', 'WITHDRAWN'])
  status?: string;
  @ApiPropertyOptional({ example: 'USD' }) @IsOptional() @Matches(/^[A-Z]{3}$/) currency?: string;
}
