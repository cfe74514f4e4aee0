import { Body, Controller, Get, Param, Post, Res } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiWrite, Auth, CurrentPrincipal, IdempotencyKey, answer, type Principal, type StatusSetter } from '#common';
import { CreateRefundDto, RefundDto } from './dto/refund.dto.js';
import { RefundService } from './refund.service.js';

@ApiTags('refunds')
@Controller('v1/refunds')
export class RefundController {
  constructor(private readonly refunds: RefundService) {}

  @Post()
  @Auth('organisation')
  @ApiWrite()
  @ApiOperation({ summary: 'Refund part or all of an UNSETTLED credit payment (the merchant signs); the credit comes back' })
  @ApiCreatedResponse({ type: RefundDto })
  async refund(@Body() body: CreateRefundDto, @IdempotencyKey() key: string, @CurrentPrincipal() principal: Principal, @Res({ passthrough: true }) response: StatusSetter) {
    return answer(await this.refunds.refund(principal, key, body), response, 201);
  }

  @Get(':id')
  @Auth('organisation', 'operator')
  @ApiOkResponse({ type: RefundDto })
  get(@Param('id') id: string, @CurrentPrincipal() principal: Principal): Promise<RefundDto> {
    return this.refunds.get(id, principal);
  }
}
