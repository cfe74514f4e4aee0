import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsOptional, IsString, Length, Matches } from 'class-validator';
import { IsAddress } from '#chain-adapter';
import { ChainProofDto, PageQuery, SignedWriteDto } from '#common';

export class CreateTokenClassDto {
  @ApiProperty({ example: 'ACME-USD', description: '1-31 upper-case letters, digits, dots and dashes; unique per organisation' })
  @Matches(/^[A-Z0-9][A-Z0-9.-]{0,30}$/, { message: 'symbol must be 1-31 upper-case letters, digits, dots or dashes' })
  symbol: string;

  @ApiProperty({ example: 'Acme US dollar token' })
  @IsString()
  @Length(1, 100)
  name: string;

  @ApiProperty({ example: 'USD', description: "ISO 4217; the class's decimals are the currency's minor-unit exponent" })
  @Matches(/^[A-Z]{3}$/, { message: 'currency must be an ISO 4217 code of three upper-case letters' })
  currency: string;
}

export class TokenAcceptanceDto extends SignedWriteDto {
  @ApiProperty({ description: 'The merchant (of the calling organisation); it signs' })
  @IsAddress()
  merchant: string;

  @ApiProperty({ description: 'After its first declaration a merchant accepts only the classes it accepted' })
  @IsBoolean()
  accepted: boolean;
}

export class TokenClassDto {
  @ApiProperty({ example: '4385…', description: 'uint256(keccak256(abi.encode(orgId, symbol))), as a decimal string' }) id: string;
  @ApiProperty() issuerOrgId: string;
  @ApiProperty({ example: 'ACME-USD' }) symbol: string;
  @ApiPropertyOptional({ nullable: true }) name: string | null;
  @ApiProperty({ example: 'USD' }) currency: string;
  @ApiProperty({ example: 2 }) decimals: number;
  @ApiProperty() registeredAt: string;
  @ApiProperty({ type: ChainProofDto }) chain: ChainProofDto;
}

export class TokenClassPageDto {
  @ApiProperty({ type: [TokenClassDto] }) items: TokenClassDto[];
  @ApiPropertyOptional({ nullable: true }) nextCursor: string | null;
}

export class TokenAcceptanceViewDto {
  @ApiProperty() merchant: string;
  @ApiProperty() tokenClassId: string;
  @ApiProperty() accepted: boolean;
  @ApiProperty({ type: ChainProofDto }) chain: ChainProofDto;
}

export class ListTokenClassesQuery extends PageQuery {
  @ApiPropertyOptional({ example: 'USD' }) @IsOptional() @Matches(/^[A-Z]{3}$/) currency?: string;
  @ApiPropertyOptional({ example: 'acme-pay' }) @IsOptional() @Matches(/^[a-z0-9][a-z0-9-]{1,30}$/) issuerOrgId?: string;
}
