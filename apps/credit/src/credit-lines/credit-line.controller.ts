import { Body, Controller, Get, Param, Post, Query, Res } from '@nestjs/common';
import { ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { CreditLineAction } from '#chain-adapter';
import {
  ApiWrite,
  Auth,
  CurrentPrincipal,
  IdempotencyKey,
  OperationStatusDto,
  answer,
  SignedWriteDto,
  type Principal,
  type StatusSetter,
} from '#common';
import { CreditLineService, type CreditLineChangeRequest } from './credit-line.service.js';
import { AdjustLimitDto, CloseCreditLineDto, CreditLineDto, CreditLinePageDto, ListCreditLinesQuery } from './dto/credit-line.dto.js';

@ApiTags('credit-lines')
@Controller('v1/credit-lines')
export class CreditLineController {
  constructor(private readonly lines: CreditLineService) {}

  @Get()
  @Auth('organisation', 'operator')
  @ApiOperation({ summary: 'List credit lines where an account of the caller is the enterprise or the merchant' })
  @ApiOkResponse({ type: CreditLinePageDto })
  list(@Query() query: ListCreditLinesQuery, @CurrentPrincipal() principal: Principal): Promise<CreditLinePageDto> {
    return this.lines.list(principal, query);
  }

  @Get(':id')
  @Auth('organisation', 'operator')
  @ApiOkResponse({ type: CreditLineDto })
  @ApiNotFoundResponse({ description: 'CREDIT_LINE_NOT_FOUND' })
  get(@Param('id') id: string, @CurrentPrincipal() principal: Principal): Promise<CreditLineDto> {
    return this.lines.get(id, principal);
  }

  @Post(':id/limit')
  @Auth('organisation')
  @ApiWrite()
  @ApiOperation({ summary: "Adjust the limit, never below used (the merchant's organisation calls, the merchant signs)" })
  @ApiOkResponse({ type: CreditLineDto })
  adjustLimit(@Param('id') id: string, @Body() body: AdjustLimitDto, @IdempotencyKey() key: string, @CurrentPrincipal() principal: Principal, @Res({ passthrough: true }) response: StatusSetter) {
    return this.change('ADJUST_LIMIT', id, { ...body, actor: 'MERCHANT' }, key, principal, response);
  }

  @Post(':id/suspend')
  @Auth('organisation')
  @ApiWrite()
  @ApiOperation({ summary: 'Suspend: no new payments until resumed (the merchant signs)' })
  @ApiOkResponse({ type: CreditLineDto })
  suspend(@Param('id') id: string, @Body() body: SignedWriteDto, @IdempotencyKey() key: string, @CurrentPrincipal() principal: Principal, @Res({ passthrough: true }) response: StatusSetter) {
    return this.change('SUSPEND', id, { ...body, actor: 'MERCHANT' }, key, principal, response);
  }

  @Post(':id/resume')
  @Auth('organisation')
  @ApiWrite()
  @ApiOperation({ summary: 'Resume a suspended line (the merchant signs)' })
  @ApiOkResponse({ type: CreditLineDto })
  resume(@Param('id') id: string, @Body() body: SignedWriteDto, @IdempotencyKey() key: string, @CurrentPrincipal() principal: Principal, @Res({ passthrough: true }) response: StatusSetter) {
    return this.change('RESUME', id, { ...body, actor: 'MERCHANT' }, key, principal, response);
  }

  @Post(':id/close')
  @Auth('organisation')
  @ApiWrite()
  @ApiOperation({ summary: 'Close for good: the merchant at any time, the enterprise only when nothing is used' })
  @ApiOkResponse({ type: CreditLineDto })
  close(@Param('id') id: string, @Body() body: CloseCreditLineDto, @IdempotencyKey() key: string, @CurrentPrincipal() principal: Principal, @Res({ passthrough: true }) response: StatusSetter) {
    return this.change('CLOSE', id, body, key, principal, response);
  }

  private async change(
    action: CreditLineAction,
    id: string,
    request: CreditLineChangeRequest,
    key: string,
    principal: Principal,
    response: StatusSetter,
  ): Promise<CreditLineDto | OperationStatusDto> {
    return answer(await this.lines.change(principal, id, action, key, request), response, 200);
  }
}
