import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class IssuedApiKeyDto {
  @ApiProperty() keyId: string;
  @ApiProperty() orgId: string;
  @ApiProperty({ description: 'The key itself: shown once, stored only as a hash. Send it as "Authorization: Bearer <apiKey>".' })
  apiKey: string;
  @ApiProperty() createdAt: string;
}

export class ApiKeyDto {
  @ApiProperty() keyId: string;
  @ApiProperty() orgId: string;
  @ApiProperty() createdAt: string;
  @ApiPropertyOptional({ nullable: true }) revokedAt: string | null;
}

export class ApiKeyListDto {
  @ApiProperty({ type: [ApiKeyDto] }) items: ApiKeyDto[];
}
