import { Body, Controller, Get, Param, Post, Query, Res } from '@nestjs/common';
import { ApiAcceptedResponse, ApiCreatedResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags, ApiUnprocessableEntityResponse } from '@nestjs/swagger';
import type { CreditAccountAction } from '#chain-adapter';
import { ApiWrite, Auth, CurrentPrincipal, IdempotencyKey, OperationStatusDto, answer, type Principal, type StatusSetter } from '#common';
import { CreditAccountService } from './credit-account.service.js';
import {
  CreditAccountChangeDto,
  CreditAccountDto,
  CreditAccountPageDto,
  ListCreditAccountsQuery,
  OpenCreditAccountDto,
  SetCeilingDto,
} from './dto/credit-account.dto.js';

@ApiTags('credit-accounts')
@Controller('v1/credit-accounts')
export class CreditAccountController {
  constructor(private readonly creditAccounts: CreditAccountService) {}

  @Post()
  @Auth('organisation')
  @ApiWrite()
  @ApiOperation({
    summary: "Open an enterprise's credit account of a currency with a ceiling (S3)",
    description: "The enterprise's organisation calls; its attestor signs the ceiling; the chain verifies and records it. On an existing credit account this sets a new ceiling (never below used).",
  })
  @ApiCreatedResponse({ type: CreditAccountDto })
  @ApiAcceptedResponse({ type: OperationStatusDto })
  @ApiUnprocessableEntityResponse({ description: 'INVALID_ACCOUNT_KIND, CEILING_BELOW_USED, CREDIT_ACCOUNT_NOT_ACTIVE, IDEMPOTENCY_KEY_REUSED …' })
  async open(
    @Body() body: OpenCreditAccountDto,
    @IdempotencyKey() key: string,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) response: StatusSetter,
  ): Promise<CreditAccountDto | OperationStatusDto> {
    return answer(await this.creditAccounts.open(principal, key, body.enterprise, body.currency, body.ceiling), response, 201);
  }

  @Get()
  @Auth('organisation', 'operator')
  @ApiOperation({ summary: "List credit accounts (an organisation sees its enterprises'; the operator sees all)" })
  @ApiOkResponse({ type: CreditAccountPageDto })
  list(@Query() query: ListCreditAccountsQuery, @CurrentPrincipal() principal: Principal): Promise<CreditAccountPageDto> {
    return this.creditAccounts.list(principal, query);
  }

  @Get(':id')
  @Auth('organisation', 'operator')
  @ApiOkResponse({ type: CreditAccountDto })
  @ApiNotFoundResponse({ description: 'CREDIT_ACCOUNT_NOT_FOUND' })
  get(@Param('id') id: string, @CurrentPrincipal() principal: Principal): Promise<CreditAccountDto> {
    return this.creditAccounts.get(id, principal);
  }

  @Post(':id/ceiling')
  @Auth('organisation')
  @ApiWrite()
  @ApiOperation({ summary: 'Change the ceiling (never below used); the attestor of the enterprise organisation signs' })
  @ApiOkResponse({ type: CreditAccountDto })
  async setCeiling(
    @Param('id') id: string,
    @Body() body: SetCeilingDto,
    @IdempotencyKey() key: string,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) response: StatusSetter,
  ): Promise<CreditAccountDto | OperationStatusDto> {
    return answer(await this.creditAccounts.setCeiling(principal, id, key, body.ceiling), response, 200);
  }

  @Post(':id/freeze')
  @Auth('organisation')
  @ApiWrite()
  @ApiOperation({ summary: 'Freeze: no new application, approval or draw until the same party unfreezes' })
  @ApiOkResponse({ type: CreditAccountDto })
  freeze(@Param('id') id: string, @Body() body: CreditAccountChangeDto, @IdempotencyKey() key: string, @CurrentPrincipal() principal: Principal, @Res({ passthrough: true }) response: StatusSetter) {
    return this.change('FREEZE', id, body, key, principal, response);
  }

  @Post(':id/unfreeze')
  @Auth('organisation')
  @ApiWrite()
  @ApiOperation({ summary: 'Unfreeze: only the party that froze (FROZEN_BY_OTHER_PARTY otherwise)' })
  @ApiOkResponse({ type: CreditAccountDto })
  unfreeze(@Param('id') id: string, @Body() body: CreditAccountChangeDto, @IdempotencyKey() key: string, @CurrentPrincipal() principal: Principal, @Res({ passthrough: true }) response: StatusSetter) {
    return this.change('UNFREEZE', id, body, key, principal, response);
  }

  @Post(':id/close')
  @Auth('organisation')
  @ApiWrite()
  @ApiOperation({ summary: 'Close for good: needs used = 0 and no open settlement' })
  @ApiOkResponse({ type: CreditAccountDto })
  close(@Param('id') id: string, @Body() body: CreditAccountChangeDto, @IdempotencyKey() key: string, @CurrentPrincipal() principal: Principal, @Res({ passthrough: true }) response: StatusSetter) {
    return this.change('CLOSE', id, body, key, principal, response);
  }

  private async change(
    action: CreditAccountAction,
    id: string,
    body: CreditAccountChangeDto,
    key: string,
    principal: Principal,
    response: StatusSetter,
  ): Promise<CreditAccountDto | OperationStatusDto> {
    return answer(await this.creditAccounts.change(principal, id, action, key, body), response, 200);
  }
}
