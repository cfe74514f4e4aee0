import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, Matches } from 'class-validator';
import { IsAddress } from '#chain-adapter';
import {
  ChainProofDto,
  IsAmount,
  PageQuery,
  SignedWriteDto,
} from '#common';

export class OpenCreditAccountDto {
  @ApiProperty({ description: "The enterprise's account address (of the calling organisation)" })
  @IsAddress()
  enterprise: string;

  @ApiProperty({ example: 'USD', description: 'ISO 4217 code' })
  @Matches(/^[A-Z]{3}$/, { message: 'currency must be an ISO 4217 code of three upper-case letters' })
  currency: string;

  @ApiProperty({ example: '1000000', description: "Ceiling of all the enterprise's credit in this currency, in minor units" })
  @IsAmount()
  ceiling: string;
}

export class SetCeilingDto {
  @ApiProperty({ example: '2000000', description: 'The new ceiling in minor units; never below used' })
  @IsAmount()
  ceiling: string;
}

export class CreditAccountChangeDto extends SignedWriteDto {
  @ApiProperty({
    enum: ['ENTERPRISE', 'ORGANISATION'],
    description: "Who signs: the enterprise's key, or the attestor of its organisation. Only the party that froze may unfreeze.",
  })
  @IsIn(['ENTERPRISE', 'ORGANISATION'])
  actor: 'ENTERPRISE' | 'ORGANISATION';
}

export class CreditAccountDto {
  @ApiProperty({ description: 'keccak256(abi.encode(enterprise, bytes3(currency)))' }) id: string;
  @ApiProperty() enterprise: string;
  @ApiProperty({ description: "The enterprise's organisation" }) orgId: string;
  @ApiProperty({ example: 'USD' }) currency: string;
  @ApiProperty({ example: '1000000' }) ceiling: string;
  @ApiProperty({ example: '0' }) used: string;
  @ApiProperty({ example: '1000000', description: 'ceiling − used' }) available: string;
  @ApiProperty({ enum: ['ACTIVE', 'FROZEN', 'CLOSED'] }) status: string;
  @ApiPropertyOptional({ enum: ['ENTERPRISE', 'ORGANISATION'], nullable: true }) frozenBy: string | null;
  @ApiProperty() openedAt: string;
  @ApiProperty({ type: ChainProofDto, description: 'The opening' }) chain: ChainProofDto;
  @ApiProperty({ type: ChainProofDto, description: 'The latest change' }) lastChange: ChainProofDto;
}

export class CreditAccountPageDto {
  @ApiProperty({ type: [CreditAccountDto] }) items: CreditAccountDto[];
  @ApiPropertyOptional({ nullable: true }) nextCursor: string | null;
}

export class ListCreditAccountsQuery extends PageQuery {
  @ApiPropertyOptional()
  @IsOptional()
  @IsAddress()
  enterprise?: string;

  @ApiPropertyOptional({ example: 'USD' })
  @IsOptional()
  @Matches(/^[A-Z]{3}$/)
  currency?: string;

  @ApiPropertyOptional({ enum: ['ACTIVE', 'FROZEN', 'CLOSED'] })
  @IsOptional()
  @IsIn(['ACTIVE', 'FROZEN', 'CLOSED'])
  status?: string;
}
