import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Auth, CurrentPrincipal, type Principal } from '#common';
import { BalanceService } from './balance.service.js';
import { BalancePageDto, ListBalancesQuery } from './dto/balance.dto.js';

@ApiTags('balances')
@Controller('v1/balances')
export class BalanceController {
  constructor(private readonly balances: BalanceService) {}

  @Get()
  @Auth('organisation', 'operator')
  @ApiOperation({ summary: "Token balances of your accounts (the operator sees all), as of the projected block" })
  @ApiOkResponse({ type: BalancePageDto })
  list(@Query() query: ListBalancesQuery, @CurrentPrincipal() principal: Principal): Promise<BalancePageDto> {
    return this.balances.list(principal, query);
  }
}
