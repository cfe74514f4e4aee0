import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Length, Matches, NotEquals } from 'class-validator';
import { ChainProofDto, OPERATOR_ORG_CODE, PageQuery } from '#common';

export class CreateOrganisationDto {
  @ApiProperty({ example: 'acme-pay', description: 'Short code, 2-31 of a-z, 0-9 and -; its bytes32 is the on-chain id' })
  @Matches(/^[a-z0-9][a-z0-9-]{1,30}$/, { message: 'code must be 2-31 characters of a-z, 0-9 and -, starting with a letter or digit' })
  @NotEquals(OPERATOR_ORG_CODE, { message: `code ${OPERATOR_ORG_CODE} is reserved for the operator` })
  code: string;

  @ApiProperty({ example: 'Acme Payments Ltd' })
  @IsString()
  @Length(1, 200)
  name: string;
}

export class OrganisationDto {
  @ApiProperty({ example: 'acme-pay' }) id: string;
  @ApiProperty() name: string;
  @ApiProperty({ enum: ['ACTIVE', 'SUSPENDED'] }) status: string;
  @ApiProperty({ description: 'Admin key address (rotates keys, registers relayers)' }) adminAddress: string;
  @ApiProperty({ description: 'Attestor key address (signs reviews and consents)' }) attestorAddress: string;
  @ApiProperty() admittedAt: string;
  @ApiProperty({ type: ChainProofDto }) chain: ChainProofDto;
}

export class OrganisationPageDto {
  @ApiProperty({ type: [OrganisationDto] }) items: OrganisationDto[];
  @ApiPropertyOptional({ nullable: true }) nextCursor: string | null;
}

export class ListOrganisationsQuery extends PageQuery {
  @ApiPropertyOptional({ enum: ['ACTIVE', 'SUSPENDED'] })
  @IsOptional()
  @IsIn(['ACTIVE', 'SUSPENDED'])
  status?: 'ACTIVE' | 'SUSPENDED';
}
