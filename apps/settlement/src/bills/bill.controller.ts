import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Auth, CurrentPrincipal, type Principal } from '#common';
import { BillService } from './bill.service.js';
import { BillDto, BillPageDto, ListBillsQuery } from './dto/bill.dto.js';

@ApiTags('bills')
@Controller('v1/bills')
export class BillController {
  constructor(private readonly bills: BillService) {}

  @Get()
  @Auth('organisation', 'operator')
  @ApiOperation({ summary: 'List bills (S5) by status, line, counterparty, period and overdue, with totals over all pages' })
  @ApiOkResponse({ type: BillPageDto })
  list(@Query() query: ListBillsQuery, @CurrentPrincipal() principal: Principal): Promise<BillPageDto> {
    return this.bills.list(principal, query);
  }

  @Get(':id')
  @Auth('organisation', 'operator')
  @ApiOkResponse({ type: BillDto })
  @ApiNotFoundResponse({ description: 'BILL_NOT_FOUND' })
  get(@Param('id') id: string, @CurrentPrincipal() principal: Principal): Promise<BillDto> {
    return this.bills.get(id, principal);
  }
}
