import { Body, Controller, Get, Param, Post, Query, Res } from '@nestjs/common';
import { ApiAcceptedResponse, ApiCreatedResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags, ApiUnprocessableEntityResponse } from '@nestjs/swagger';
import { ApiWrite, Auth, CurrentPrincipal, IdempotencyKey, OperationStatusDto, SignedWriteDto, answer, type Principal, type StatusSetter } from '#common';
import { CreateSettlementDto, ListSettlementsQuery, RejectSettlementDto, SettlementDto, SettlementPageDto } from './dto/settlement.dto.js';
import { SettlementService } from './settlement.service.js';

@ApiTags('settlements')
@Controller('v1/settlements')
export class SettlementController {
  constructor(private readonly settlements: SettlementService) {}

  @Post()
  @Auth('organisation')
  @ApiWrite()
  @ApiOperation({
    summary: 'Start a settlement of bills of one line (S5, enterprise side)',
    description:
      'By TOKEN (tokens of an accepted class of the line\'s currency are locked in escrow at once) or OFFCHAIN (a bank-transfer reference). The bills go IN_SETTLEMENT until the merchant confirms or rejects, or the settlement is cancelled.',
  })
  @ApiCreatedResponse({ type: SettlementDto })
  @ApiAcceptedResponse({ type: OperationStatusDto })
  @ApiUnprocessableEntityResponse({ description: 'BILL_NOT_SETTLEABLE, TOTAL_MISMATCH, INSUFFICIENT_BALANCE, TOKEN_CLASS_NOT_ACCEPTED, CURRENCY_MISMATCH, SIGNATURE_REQUIRED …' })
  async initiate(@Body() body: CreateSettlementDto, @IdempotencyKey() key: string, @CurrentPrincipal() principal: Principal, @Res({ passthrough: true }) response: StatusSetter) {
    return answer(await this.settlements.initiate(principal, key, body), response, 201);
  }

  @Get()
  @Auth('organisation', 'operator')
  @ApiOperation({ summary: 'List settlements where an account of the caller is a party' })
  @ApiOkResponse({ type: SettlementPageDto })
  list(@Query() query: ListSettlementsQuery, @CurrentPrincipal() principal: Principal): Promise<SettlementPageDto> {
    return this.settlements.list(principal, query);
  }

  @Get(':id')
  @Auth('organisation', 'operator')
  @ApiOkResponse({ type: SettlementDto })
  @ApiNotFoundResponse({ description: 'SETTLEMENT_NOT_FOUND' })
  get(@Param('id') id: string, @CurrentPrincipal() principal: Principal): Promise<SettlementDto> {
    return this.settlements.get(id, principal);
  }

  @Post(':id/confirm')
  @Auth('organisation')
  @ApiWrite()
  @ApiOperation({ summary: 'Confirm (merchant side): bills SETTLED, credit restored, escrow released to the merchant' })
  @ApiOkResponse({ type: SettlementDto })
  async confirm(@Param('id') id: string, @Body() body: SignedWriteDto, @IdempotencyKey() key: string, @CurrentPrincipal() principal: Principal, @Res({ passthrough: true }) response: StatusSetter) {
    return answer(await this.settlements.decide(principal, id, 'CONFIRM', key, body), response, 200);
  }

  @Post(':id/reject')
  @Auth('organisation')
  @ApiWrite()
  @ApiOperation({ summary: 'Reject (merchant side) with a reason code: bills UNSETTLED, escrow returned' })
  @ApiOkResponse({ type: SettlementDto })
  async reject(@Param('id') id: string, @Body() body: RejectSettlementDto, @IdempotencyKey() key: string, @CurrentPrincipal() principal: Principal, @Res({ passthrough: true }) response: StatusSetter) {
    return answer(await this.settlements.decide(principal, id, 'REJECT', key, body), response, 200);
  }

  @Post(':id/cancel')
  @Auth('organisation')
  @ApiWrite()
  @ApiOperation({ summary: "Cancel: the enterprise before a decision; either party's organisation after the response deadline" })
  @ApiOkResponse({ type: SettlementDto })
  async cancel(@Param('id') id: string, @Body() body: SignedWriteDto, @IdempotencyKey() key: string, @CurrentPrincipal() principal: Principal, @Res({ passthrough: true }) response: StatusSetter) {
    return answer(await this.settlements.cancel(principal, id, key, body), response, 200);
  }
}
