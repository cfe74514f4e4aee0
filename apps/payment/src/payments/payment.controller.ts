import { Body, Controller, Get, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBadRequestResponse, ApiCreatedResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags, ApiUnprocessableEntityResponse } from '@nestjs/swagger';
import { ApiWrite, Auth, CurrentPrincipal, IdempotencyKey, OperationStatusDto, answer, type Principal, type StatusSetter } from '#common';
import { CreatePaymentBatchDto, CreatePaymentDto, ListPaymentsQuery, MAX_PAYMENTS_PER_BATCH, PaymentBatchDto, PaymentDto, PaymentPageDto } from './dto/payment.dto.js';
import { PaymentService } from './payment.service.js';

@ApiTags('payments')
@Controller('v1/payments')
export class PaymentController {
  constructor(private readonly payments: PaymentService) {}

  @Post()
  @Auth('organisation')
  @ApiWrite()
  @ApiOperation({
    summary: 'Pay on credit or in tokens (S4)',
    description:
      'CREDIT: the chain verifies the enterprise\'s signature, both parties, the line (ACTIVE, unexpired, limit) and the credit account (ACTIVE, ceiling), then records a bill UNSETTLED. TOKEN: the payer\'s tokens move to a merchant that accepts the class.',
  })
  @ApiCreatedResponse({ type: PaymentDto })
  @ApiAcceptedResponse({ type: OperationStatusDto })
  @ApiUnprocessableEntityResponse({ description: 'CREDIT_LIMIT_EXCEEDED, CREDIT_CEILING_EXCEEDED, LINE_NOT_ACTIVE, LINE_EXPIRED, ACCOUNT_NOT_ACTIVE, QUALIFICATION_LAPSED, TOKEN_CLASS_NOT_ACCEPTED, INSUFFICIENT_BALANCE, SIGNATURE_REQUIRED …' })
  async pay(@Body() body: CreatePaymentDto, @IdempotencyKey() key: string, @CurrentPrincipal() principal: Principal, @Res({ passthrough: true }) response: StatusSetter) {
    return answer(await this.payments.pay(principal, key, body), response, 201);
  }

  @Post('batch')
  @HttpCode(200)
  @Auth('organisation')
  @ApiOperation({
    summary: `Pay up to ${MAX_PAYMENTS_PER_BATCH} payments in one request (S4)`,
    description:
      "Each payment is made as POST /v1/payments would make it, with its idempotencyKey as the Idempotency-Key (a retry, alone or in a batch, is the same payment), and verified by the chain on its own. The answer has one result per payment, in order: 201 with the payment, 202 with the operation to poll, or the error POST /v1/payments would give (SIGNATURE_REQUIRED with the typed data to sign, CREDIT_LIMIT_EXCEEDED, …). For back ends that send many payments at once: far less work per payment than one request each.",
  })
  @ApiOkResponse({ type: PaymentBatchDto })
  @ApiBadRequestResponse({ description: `VALIDATION_FAILED: a malformed payment, two with one idempotencyKey, none or more than ${MAX_PAYMENTS_PER_BATCH}; nothing is paid` })
  payBatch(@Body() body: CreatePaymentBatchDto, @CurrentPrincipal() principal: Principal): Promise<PaymentBatchDto> {
    return this.payments.payBatch(principal, body.payments);
  }

  @Get()
  @Auth('organisation', 'operator')
  @ApiOperation({ summary: 'List payments where an account of the caller pays or is paid' })
  @ApiOkResponse({ type: PaymentPageDto })
  list(@Query() query: ListPaymentsQuery, @CurrentPrincipal() principal: Principal): Promise<PaymentPageDto> {
    return this.payments.list(principal, query);
  }

  @Get(':id')
  @Auth('organisation', 'operator')
  @ApiOkResponse({ type: PaymentDto })
  @ApiNotFoundResponse({ description: 'PAYMENT_NOT_FOUND' })
  get(@Param('id') id: string, @CurrentPrincipal() principal: Principal): Promise<PaymentDto> {
    return this.payments.get(id, principal);
  }
}
