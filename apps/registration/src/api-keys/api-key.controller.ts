import { Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Auth, CurrentPrincipal, assertActsFor, type Principal } from '#common';
import { ApiKeyService } from './api-key.service.js';
import { ApiKeyDto, ApiKeyListDto, IssuedApiKeyDto } from './dto/api-key.dto.js';

@ApiTags('organisations')
@Controller('v1/organisations/:id/api-keys')
export class ApiKeyController {
  constructor(private readonly apiKeys: ApiKeyService) {}

  @Post()
  @Auth('operator')
  @HttpCode(201)
  @ApiOperation({ summary: 'Issue an API key for the organisation (operator); the key is shown once' })
  @ApiCreatedResponse({ type: IssuedApiKeyDto })
  issue(@Param('id') id: string): Promise<IssuedApiKeyDto> {
    return this.apiKeys.issue(id);
  }

  @Get()
  @Auth('operator', 'organisation')
  @ApiOkResponse({ type: ApiKeyListDto })
  async list(@Param('id') id: string, @CurrentPrincipal() principal: Principal): Promise<ApiKeyListDto> {
    assertActsFor(principal, id);
    return { items: await this.apiKeys.list(id) };
  }

  @Delete(':keyId')
  @Auth('operator', 'organisation')
  @ApiOperation({ summary: 'Revoke an API key; every service refuses it within 5 s' })
  @ApiOkResponse({ type: ApiKeyDto })
  revoke(@Param('id') id: string, @Param('keyId') keyId: string, @CurrentPrincipal() principal: Principal): Promise<ApiKeyDto> {
    assertActsFor(principal, id);
    return this.apiKeys.revoke(id, keyId);
  }
}
