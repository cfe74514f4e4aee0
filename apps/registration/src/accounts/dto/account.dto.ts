import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsBoolean, IsDateString, IsIn, IsOptional, IsString, Length, Matches, ValidateIf, ValidateNested } from 'class-validator';
import { IsAddress } from '#chain-adapter';
import { ChainProofDto, PageQuery, TypedDataDto } from '#common';

export class QualificationDto {
  @ApiProperty({ example: 'BUSINESS_LICENCE', description: 'What the payment system reviewed' })
  @IsString()
  @Length(1, 64)
  certificateType: string;

  @ApiProperty({ example: '91310000MA1FL0XX1X' })
  @IsString()
  @Length(1, 128)
  certificateNumber: string;

  @ApiPropertyOptional({ example: '0x…', description: 'Hash of the reviewed documents, if the business system keeps them' })
  @IsOptional()
  @Matches(/^0x[0-9a-fA-F]{64}$/, { message: 'documentHash must be a 0x-prefixed 32-byte hex string' })
  documentHash?: string;

  @ApiProperty({ example: '2027-11-25T00:00:00Z', description: 'When the qualification lapses (checked against chain time)' })
  @IsDateString({ strict: true })
  expiresAt: string;
}

export class CreateAccountDto {
  @ApiProperty({ enum: ['ENTERPRISE', 'MERCHANT'] })
  @IsIn(['ENTERPRISE', 'MERCHANT'])
  kind: 'ENTERPRISE' | 'MERCHANT';

  @ApiProperty({ example: 'cust-0001', description: "The organisation's own customer reference, unique per organisation" })
  @IsString()
  @Length(1, 128)
  externalRef: string;

  @ApiProperty({ enum: ['CUSTODIAL', 'SELF_CUSTODY'], description: 'CUSTODIAL: Tally generates and seals the key pair' })
  @IsIn(['CUSTODIAL', 'SELF_CUSTODY'])
  custody: 'CUSTODIAL' | 'SELF_CUSTODY';

  @ApiProperty({ type: QualificationDto })
  @ValidateNested()
  @Type(() => QualificationDto)
  qualification: QualificationDto;

  @ApiPropertyOptional({ description: 'CUSTODIAL only: return the private key once, in the response that records the account' })
  @IsOptional()
  @IsBoolean()
  exportPrivateKey?: boolean;

  @ApiPropertyOptional({ description: 'SELF_CUSTODY only: the account address' })
  @ValidateIf((body: CreateAccountDto) => body.custody === 'SELF_CUSTODY' || body.address !== undefined)
  @IsAddress()
  address?: string;

  @ApiPropertyOptional({ description: 'SELF_CUSTODY only: the account key’s EIP-712 AccountKeyProof signature (see POST /v1/accounts/key-proof)' })
  @ValidateIf((body: CreateAccountDto) => body.custody === 'SELF_CUSTODY' || body.proofSignature !== undefined)
  @Matches(/^0x[0-9a-fA-F]{130}$/, { message: 'proofSignature must be a 0x-prefixed 65-byte hex signature' })
  proofSignature?: string;
}

export class KeyProofRequestDto {
  @ApiProperty({ description: 'The self-custody account address' })
  @IsAddress()
  address: string;
}

export class KeyProofDto {
  @ApiProperty({ description: 'keccak256(abi.encode(orgId, keccak256(bytes(Idempotency-Key))))' }) operationId: string;
  @ApiProperty({ type: TypedDataDto, description: 'Sign with eth_signTypedData_v4 and send as proofSignature with the same Idempotency-Key' })
  typedData: TypedDataDto;
}

export class RenewQualificationDto {
  @ApiProperty({ type: QualificationDto })
  @ValidateNested()
  @Type(() => QualificationDto)
  qualification: QualificationDto;
}

export class AccountStatusChangeDto {
  @ApiPropertyOptional({ description: 'Why (kept in the logs)', maxLength: 200 })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  reason?: string;
}

export class QualificationViewDto {
  @ApiProperty() certificateHash: string;
  @ApiProperty() expiresAt: string;
  @ApiProperty({ description: 'True once chain time passed expiresAt: new credit use and outgoing payments are blocked' })
  lapsed: boolean;
}

export class AccountDto {
  @ApiProperty() address: string;
  @ApiProperty() orgId: string;
  @ApiProperty({ enum: ['ENTERPRISE', 'MERCHANT'] }) kind: string;
  @ApiProperty({ enum: ['ACTIVE', 'FROZEN', 'CLOSED'] }) status: string;
  @ApiPropertyOptional({ nullable: true }) externalRef: string | null;
  @ApiPropertyOptional({ enum: ['CUSTODIAL', 'SELF_CUSTODY'], nullable: true }) custody: string | null;
  @ApiProperty({ type: QualificationViewDto }) qualification: QualificationViewDto;
  @ApiProperty() registeredAt: string;
  @ApiProperty({ type: ChainProofDto, description: 'The registration' }) chain: ChainProofDto;
  @ApiProperty({ type: ChainProofDto, description: 'The latest change' }) lastChange: ChainProofDto;
  @ApiPropertyOptional({ description: 'Only in the one response that exported it' }) privateKey?: string;
}

export class AccountPageDto {
  @ApiProperty({ type: [AccountDto] }) items: AccountDto[];
  @ApiPropertyOptional({ nullable: true }) nextCursor: string | null;
}

export class ListAccountsQuery extends PageQuery {
  @ApiPropertyOptional({ enum: ['ENTERPRISE', 'MERCHANT'] })
  @IsOptional()
  @IsIn(['ENTERPRISE', 'MERCHANT'])
  kind?: 'ENTERPRISE' | 'MERCHANT';

  @ApiPropertyOptional({ enum: ['ACTIVE', 'FROZEN', 'CLOSED'] })
  @IsOptional()
  @IsIn(['ACTIVE', 'FROZEN', 'CLOSED'])
  status?: 'ACTIVE' | 'FROZEN' | 'CLOSED';

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @Length(1, 128)
  externalRef?: string;

  @ApiPropertyOptional({ description: 'Operator only: one organisation' })
  @IsOptional()
  @Matches(/^[a-z0-9][a-z0-9-]{1,30}$/)
  orgId?: string;
}
