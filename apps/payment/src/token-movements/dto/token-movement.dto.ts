import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Matches } from 'class-validator';
import { IsAddress } from '#chain-adapter';
import { ChainProofDto, IsAmount, SignedWriteDto } from '#common';

const tokenClassIdPattern = /^[1-9][0-9]{0,77}$/;

export class CreateIssuanceDto {
  @ApiProperty({ description: "A class of the calling organisation (only the issuer issues)" })
  @Matches(tokenClassIdPattern, { message: 'tokenClassId must be a token class id (decimal)' })
  tokenClassId: string;

  @ApiProperty({ description: 'A registered, active and qualified account of any organisation' })
  @IsAddress()
  to: string;

  @ApiProperty({ example: '100000', description: 'Minor units the user paid in' })
  @IsAmount({ positive: true })
  amount: string;
}

export class CreateRedemptionDto extends SignedWriteDto {
  @ApiProperty({ description: "A class of the calling organisation (only the issuer redeems)" })
  @Matches(tokenClassIdPattern, { message: 'tokenClassId must be a token class id (decimal)' })
  tokenClassId: string;

  @ApiProperty({ description: 'The holder; it signs (custodial holders of the calling organisation are signed for)' })
  @IsAddress()
  from: string;

  @ApiProperty({ example: '5000' })
  @IsAmount({ positive: true })
  amount: string;
}

export class CreateTransferDto extends SignedWriteDto {
  @ApiProperty()
  @Matches(tokenClassIdPattern, { message: 'tokenClassId must be a token class id (decimal)' })
  tokenClassId: string;

  @ApiProperty({ description: 'The sender (of the calling organisation); it signs' })
  @IsAddress()
  from: string;

  @ApiProperty({ description: 'Any registered account that is not closed' })
  @IsAddress()
  to: string;

  @ApiProperty({ example: '2500' })
  @IsAmount({ positive: true })
  amount: string;
}

export class TokenMovementDto {
  @ApiProperty({ description: 'The operation id' }) id: string;
  @ApiProperty({ enum: ['ISSUANCE', 'REDEMPTION', 'TRANSFER'] }) kind: string;
  @ApiProperty() tokenClassId: string;
  @ApiPropertyOptional({ nullable: true }) from: string | null;
  @ApiPropertyOptional({ nullable: true }) to: string | null;
  @ApiProperty() amount: string;
  @ApiProperty() occurredAt: string;
  @ApiProperty({ type: ChainProofDto }) chain: ChainProofDto;
}
