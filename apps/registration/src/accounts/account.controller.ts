import { Body, Controller, Get, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiForbiddenResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import type { StatusAction } from '#chain-adapter';
import { ApiWrite, Auth, CurrentPrincipal, IdempotencyKey, OperationStatusDto, answer, organisationOf, type Principal, type StatusSetter } from '#common';
import { AccountService } from './account.service.js';
import {
  AccountDto,
  AccountPageDto,
  AccountStatusChangeDto,
  CreateAccountDto,
  KeyProofDto,
  KeyProofRequestDto,
  ListAccountsQuery,
  RenewQualificationDto,
} from './dto/account.dto.js';

@ApiTags('accounts')
@Controller('v1/accounts')
export class AccountController {
  constructor(private readonly accounts: AccountService) {}

  @Post()
  @Auth('organisation')
  @ApiWrite()
  @ApiOperation({
    summary: 'Register an account (S1)',
    description:
      "The organisation's attestor signs the qualification review; the chain verifies it and the account key's proof of possession, then records the account.",
  })
  @ApiCreatedResponse({ type: AccountDto, description: 'Recorded on chain and in the view, with the chain proof' })
  @ApiAcceptedResponse({ type: OperationStatusDto })
  @ApiBadRequestResponse({ description: 'VALIDATION_FAILED, IDEMPOTENCY_KEY_REQUIRED' })
  @ApiConflictResponse({ description: 'ACCOUNT_ALREADY_REGISTERED, EXTERNAL_REF_TAKEN' })
  @ApiUnprocessableEntityResponse({ description: 'BAD_SIGNATURE, QUALIFICATION_EXPIRY_INVALID, IDEMPOTENCY_KEY_REUSED …' })
  async register(
    @Body() body: CreateAccountDto,
    @IdempotencyKey() idempotencyKey: string,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) response: StatusSetter,
  ): Promise<AccountDto | OperationStatusDto> {
    return answer(await this.accounts.register(organisationOf(principal), idempotencyKey, body), response, 201);
  }

  @Post('key-proof')
  @Auth('organisation')
  @HttpCode(200)
  @ApiOperation({
    summary: 'The typed data a self-custody account signs to prove it holds its key',
    description: 'Send the signature as proofSignature in POST /v1/accounts with the same Idempotency-Key. Changes nothing.',
  })
  @ApiOkResponse({ type: KeyProofDto })
  keyProof(@Body() body: KeyProofRequestDto, @IdempotencyKey() idempotencyKey: string, @CurrentPrincipal() principal: Principal): KeyProofDto {
    return this.accounts.keyProof(organisationOf(principal), idempotencyKey, body.address);
  }

  @Get()
  @Auth('organisation', 'operator')
  @ApiOperation({ summary: "List accounts (an organisation sees its own; the operator sees all)" })
  @ApiOkResponse({ type: AccountPageDto })
  list(@Query() query: ListAccountsQuery, @CurrentPrincipal() principal: Principal): Promise<AccountPageDto> {
    return this.accounts.list(principal, query);
  }

  @Get(':address')
  @Auth('organisation', 'operator')
  @ApiOkResponse({ type: AccountDto })
  @ApiNotFoundResponse({ description: 'ACCOUNT_NOT_FOUND' })
  @ApiForbiddenResponse({ description: "FORBIDDEN: another organisation's account" })
  get(@Param('address') address: string, @CurrentPrincipal() principal: Principal): Promise<AccountDto> {
    return this.accounts.get(address, principal);
  }

  @Post(':address/freeze')
  @Auth('organisation')
  @ApiWrite()
  @ApiOperation({ summary: "Freeze an account (its organisation's attestor signs)" })
  @ApiOkResponse({ type: AccountDto })
  async freeze(
    @Param('address') address: string,
    @Body() body: AccountStatusChangeDto,
    @IdempotencyKey() key: string,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) response: StatusSetter,
  ): Promise<AccountDto | OperationStatusDto> {
    return this.statusChange('FREEZE', address, body, key, principal, response);
  }

  @Post(':address/unfreeze')
  @Auth('organisation')
  @ApiWrite()
  @ApiOperation({ summary: 'Unfreeze a frozen account' })
  @ApiOkResponse({ type: AccountDto })
  async unfreeze(
    @Param('address') address: string,
    @Body() body: AccountStatusChangeDto,
    @IdempotencyKey() key: string,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) response: StatusSetter,
  ): Promise<AccountDto | OperationStatusDto> {
    return this.statusChange('UNFREEZE', address, body, key, principal, response);
  }

  @Post(':address/close')
  @Auth('organisation')
  @ApiWrite()
  @ApiOperation({ summary: 'Close an account for good' })
  @ApiOkResponse({ type: AccountDto })
  async close(
    @Param('address') address: string,
    @Body() body: AccountStatusChangeDto,
    @IdempotencyKey() key: string,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) response: StatusSetter,
  ): Promise<AccountDto | OperationStatusDto> {
    return this.statusChange('CLOSE', address, body, key, principal, response);
  }

  @Post(':address/qualification')
  @Auth('organisation')
  @ApiWrite()
  @ApiOperation({ summary: 'Renew the qualification (a lapsed account can take credit and pay again)' })
  @ApiOkResponse({ type: AccountDto })
  async renew(
    @Param('address') address: string,
    @Body() body: RenewQualificationDto,
    @IdempotencyKey() key: string,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) response: StatusSetter,
  ): Promise<AccountDto | OperationStatusDto> {
    return answer(await this.accounts.renewQualification(principal, address, key, body.qualification), response, 200);
  }

  private async statusChange(
    action: StatusAction,
    address: string,
    body: AccountStatusChangeDto,
    key: string,
    principal: Principal,
    response: StatusSetter,
  ): Promise<AccountDto | OperationStatusDto> {
    return answer(await this.accounts.changeStatus(principal, address, action, key, body.reason), response, 200);
  }
}
