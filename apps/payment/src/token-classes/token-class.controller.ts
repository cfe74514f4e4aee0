import { Body, Controller, Get, Param, Post, Query, Res } from '@nestjs/common';
import { ApiAcceptedResponse, ApiCreatedResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiWrite, Auth, CurrentPrincipal, IdempotencyKey, OperationStatusDto, answer, type Principal, type StatusSetter } from '#common';
import { CreateTokenClassDto, ListTokenClassesQuery, TokenAcceptanceDto, TokenAcceptanceViewDto, TokenClassDto, TokenClassPageDto } from './dto/token-class.dto.js';
import { TokenClassService } from './token-class.service.js';

@ApiTags('token-classes')
@Controller('v1/token-classes')
export class TokenClassController {
  constructor(private readonly tokenClasses: TokenClassService) {}

  @Post()
  @Auth('organisation')
  @ApiWrite()
  @ApiOperation({ summary: 'Register a token class of the calling organisation (S2); its attestor signs' })
  @ApiCreatedResponse({ type: TokenClassDto })
  @ApiAcceptedResponse({ type: OperationStatusDto })
  async register(@Body() body: CreateTokenClassDto, @IdempotencyKey() key: string, @CurrentPrincipal() principal: Principal, @Res({ passthrough: true }) response: StatusSetter) {
    return answer(await this.tokenClasses.register(principal, key, body), response, 201);
  }

  @Get()
  @Auth('organisation', 'operator')
  @ApiOperation({ summary: "List token classes (every organisation's: any class pays anywhere)" })
  @ApiOkResponse({ type: TokenClassPageDto })
  list(@Query() query: ListTokenClassesQuery): Promise<TokenClassPageDto> {
    return this.tokenClasses.list(query);
  }

  @Get(':id')
  @Auth('organisation', 'operator')
  @ApiOkResponse({ type: TokenClassDto })
  @ApiNotFoundResponse({ description: 'TOKEN_CLASS_NOT_FOUND' })
  get(@Param('id') id: string): Promise<TokenClassDto> {
    return this.tokenClasses.get(id);
  }

  @Post(':id/acceptances')
  @Auth('organisation')
  @ApiWrite()
  @ApiOperation({ summary: 'A merchant declares whether it accepts this class (the merchant signs)' })
  @ApiOkResponse({ type: TokenAcceptanceViewDto })
  async setAcceptance(@Param('id') id: string, @Body() body: TokenAcceptanceDto, @IdempotencyKey() key: string, @CurrentPrincipal() principal: Principal, @Res({ passthrough: true }) response: StatusSetter) {
    return answer(await this.tokenClasses.setAcceptance(principal, id, key, body), response, 200);
  }
}
