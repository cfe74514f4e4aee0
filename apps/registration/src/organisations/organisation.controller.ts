import { Body, Controller, Get, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import { ApiAcceptedResponse, ApiConflictResponse, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiWrite, Auth, IdempotencyKey, TallyError } from '#common';
import { CreateOrganisationDto, ListOrganisationsQuery, OrganisationDto, OrganisationPageDto } from './dto/organisation.dto.js';
import { OrganisationService } from './organisation.service.js';

@ApiTags('organisations')
@Controller('v1/organisations')
export class OrganisationController {
  constructor(private readonly organisations: OrganisationService) {}

  @Post()
  @Auth('operator')
  @HttpCode(201)
  @ApiWrite()
  @ApiOperation({
    summary: 'Admit an organisation (operator): keys generated and sealed, admitted on chain, relayers registered',
    description: 'The organisation code is what makes a retry safe: the same code and body answer 200 with the same organisation; another body, 409 ORGANISATION_EXISTS.',
  })
  @ApiCreatedResponse({ type: OrganisationDto })
  @ApiAcceptedResponse({ description: 'Admitted on chain; the view has not caught up yet — GET it shortly' })
  @ApiConflictResponse({ description: 'ORGANISATION_EXISTS' })
  async create(
    @Body() body: CreateOrganisationDto,
    @IdempotencyKey() _idempotencyKey: string,
    @Res({ passthrough: true }) response: { status(code: number): void },
  ): Promise<OrganisationDto | { id: string; status: 'PENDING' }> {
    const result = await this.organisations.admit(body);
    if ('pending' in result) {
      response.status(202);
      return { id: result.id, status: 'PENDING' };
    }
    if (!result.created) response.status(200);
    return result.organisation;
  }

  @Get()
  @Auth('operator', 'organisation')
  @ApiOperation({ summary: 'List organisations (public facts: the chain has them too)' })
  @ApiOkResponse({ type: OrganisationPageDto })
  list(@Query() query: ListOrganisationsQuery): Promise<OrganisationPageDto> {
    return this.organisations.list(query);
  }

  @Get(':id')
  @Auth('operator', 'organisation')
  @ApiOkResponse({ type: OrganisationDto })
  async get(@Param('id') id: string): Promise<OrganisationDto> {
    if (!/^[a-z0-9][a-z0-9-]{1,30}$/.test(id)) throw new TallyError('ORGANISATION_NOT_FOUND', { id });
    return this.organisations.get(id);
  }
}
