import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, Matches } from 'class-validator';
import { IsAddress } from '#chain-adapter';
import { PageQuery } from '#common';

export class BalanceDto {
  @ApiProperty() holder: string;
  @ApiProperty() tokenClassId: string;
  @ApiProperty({ example: 'ACME-USD' }) symbol: string;
  @ApiProperty({ example: 'USD' }) currency: string;
  @ApiProperty({ example: '95000' }) amount: string;
  @ApiProperty({ description: 'The block the balance is as of' }) asOfBlock: string;
}

export class BalancePageDto {
  @ApiProperty({ type: [BalanceDto] }) items: BalanceDto[];
  @ApiPropertyOptional({ nullable: true }) nextCursor: string | null;
}

export class ListBalancesQuery extends PageQuery {
  @ApiPropertyOptional() @IsOptional() @IsAddress() holder?: string;
  @ApiPropertyOptional() @IsOptional() @Matches(/^[1-9][0-9]{0,77}$/) tokenClassId?: string;
}
