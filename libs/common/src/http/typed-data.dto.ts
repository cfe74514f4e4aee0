import { ApiProperty } from '@nestjs/swagger';

export class TypedDataDomainDto {
  @ApiProperty({ example: 'Tally' }) name: 'Tally';
  @ApiProperty({ example: '1' }) version: '1';
  @ApiProperty({ example: '31337' }) chainId: string;
  @ApiProperty() verifyingContract: string;
}

/** EIP-712 typed data as `eth_signTypedData_v4` and EIP-712 libraries take it. */
export class TypedDataDto {
  @ApiProperty({ type: TypedDataDomainDto }) domain: TypedDataDomainDto;
  @ApiProperty({ type: 'object', additionalProperties: true }) types: Record<string, ReadonlyArray<{ name: string; type: string }>>;
  @ApiProperty() primaryType: string;
  @ApiProperty({ type: 'object', additionalProperties: true }) message: Record<string, string | number | boolean>;
}
