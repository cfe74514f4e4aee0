import { Body, Controller, Get, Param, Post, Query, Res } from '@nestjs/common';
import { ApiAcceptedResponse, ApiCreatedResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags, ApiUnprocessableEntityResponse } from '@nestjs/swagger';
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
import { CreditApplicationService } from './credit-application.service.js';
import {
  CreateCreditApplicationDto,
  CreditApplicationDto,
  CreditApplicationPageDto,
  CreditDecisionDto,
  ListCreditApplicationsQuery,
} from './dto/credit-application.dto.js';

@ApiTags('credit-applications')
@Controller('v1/credit-applications')
export class CreditApplicationController {
  constructor(private readonly applications: CreditApplicationService) {}

  @Post()
  @Auth('organisation')
  @ApiWrite()
  @ApiOperation({
    summary: 'Apply to a merchant for credit (S3, enterprise side)',
    description:
      "The enterprise's organisation calls; the enterprise signs (custodial: Tally signs with its sealed key; self-custody: the first answer is SIGNATURE_REQUIRED with the typed data to sign). The chain checks both parties and the enterprise's credit account.",
  })
  @ApiCreatedResponse({ type: CreditApplicationDto })
  @ApiAcceptedResponse({ type: OperationStatusDto })
  @ApiUnprocessableEntityResponse({ description: 'SIGNATURE_REQUIRED, BAD_SIGNATURE, CREDIT_ACCOUNT_NOT_ACTIVE, QUALIFICATION_LAPSED, EXPIRY_INVALID …' })
  async submit(
    @Body() body: CreateCreditApplicationDto,
    @IdempotencyKey() key: string,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) response: StatusSetter,
  ): Promise<CreditApplicationDto | OperationStatusDto> {
    return answer(await this.applications.submit(principal, key, body), response, 201);
  }

  @Get()
  @Auth('organisation', 'operator')
  @ApiOperation({ summary: 'List applications where an account of the caller is the enterprise or the merchant' })
  @ApiOkResponse({ type: CreditApplicationPageDto })
  list(@Query() query: ListCreditApplicationsQuery, @CurrentPrincipal() principal: Principal): Promise<CreditApplicationPageDto> {
    return this.applications.list(principal, query);
  }

  @Get(':id')
  @Auth('organisation', 'operator')
  @ApiOkResponse({ type: CreditApplicationDto })
  @ApiNotFoundResponse({ description: 'CREDIT_APPLICATION_NOT_FOUND' })
  get(@Param('id') id: string, @CurrentPrincipal() principal: Principal): Promise<CreditApplicationDto> {
    return this.applications.get(id, principal);
  }

  @Post(':id/decision')
  @Auth('organisation')
  @ApiWrite()
  @ApiOperation({
    summary: "The merchant's decision (S3, merchant side): approve with a limit ≤ requested, or reject with a reason code",
    description: "The merchant's organisation calls; the merchant signs. On approval the chain opens the credit line, whose id is the application's.",
  })
  @ApiOkResponse({ type: CreditApplicationDto })
  async decide(
    @Param('id') id: string,
    @Body() body: CreditDecisionDto,
    @IdempotencyKey() key: string,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) response: StatusSetter,
  ): Promise<CreditApplicationDto | OperationStatusDto> {
    return answer(await this.applications.decide(principal, id, key, body), response, 200);
  }

  @Post(':id/withdraw')
  @Auth('organisation')
  @ApiWrite()
  @ApiOperation({ summary: 'Withdraw a pending application (the enterprise signs)' })
  @ApiOkResponse({ type: CreditApplicationDto })
  async withdraw(
    @Param('id') id: string,
    @Body() body: SignedWriteDto,
    @IdempotencyKey() key: string,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) response: StatusSetter,
  ): Promise<CreditApplicationDto | OperationStatusDto> {
    return answer(await this.applications.withdraw(principal, id, key, body), response, 200);
  }
}
