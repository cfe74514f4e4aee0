// Issuances, redemptions and transfers: three resources over one kind of view row.
import { Body, Controller, Get, Param, Post, Res } from '@nestjs/common';
import { ApiCreatedResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiWrite, Auth, CurrentPrincipal, IdempotencyKey, answer, type Principal, type StatusSetter } from '#common';
import { CreateIssuanceDto, CreateRedemptionDto, CreateTransferDto, TokenMovementDto } from './dto/token-movement.dto.js';
import { TokenMovementService } from './token-movement.service.js';

@ApiTags('issuances')
@Controller('v1/issuances')
export class IssuanceController {
  constructor(private readonly movements: TokenMovementService) {}

  @Post()
  @Auth('organisation')
  @ApiWrite()
  @ApiOperation({ summary: 'Issue tokens of your class to an account whose user paid you money (issuer only)' })
  @ApiCreatedResponse({ type: TokenMovementDto })
  async issue(@Body() body: CreateIssuanceDto, @IdempotencyKey() key: string, @CurrentPrincipal() principal: Principal, @Res({ passthrough: true }) response: StatusSetter) {
    return answer(await this.movements.issue(principal, key, body), response, 201);
  }

  @Get(':id')
  @Auth('organisation', 'operator')
  @ApiOkResponse({ type: TokenMovementDto })
  @ApiNotFoundResponse({ description: 'OPERATION_NOT_FOUND' })
  get(@Param('id') id: string, @CurrentPrincipal() principal: Principal): Promise<TokenMovementDto> {
    return this.movements.get(id, 'ISSUANCE', principal);
  }
}

@ApiTags('redemptions')
@Controller('v1/redemptions')
export class RedemptionController {
  constructor(private readonly movements: TokenMovementService) {}

  @Post()
  @Auth('organisation')
  @ApiWrite()
  @ApiOperation({ summary: "Redeem a holder's tokens of your class (issuer only; the holder and your attestor sign)" })
  @ApiCreatedResponse({ type: TokenMovementDto })
  async redeem(@Body() body: CreateRedemptionDto, @IdempotencyKey() key: string, @CurrentPrincipal() principal: Principal, @Res({ passthrough: true }) response: StatusSetter) {
    return answer(await this.movements.redeem(principal, key, body), response, 201);
  }

  @Get(':id')
  @Auth('organisation', 'operator')
  @ApiOkResponse({ type: TokenMovementDto })
  get(@Param('id') id: string, @CurrentPrincipal() principal: Principal): Promise<TokenMovementDto> {
    return this.movements.get(id, 'REDEMPTION', principal);
  }
}

@ApiTags('transfers')
@Controller('v1/transfers')
export class TransferController {
  constructor(private readonly movements: TokenMovementService) {}

  @Post()
  @Auth('organisation')
  @ApiWrite()
  @ApiOperation({ summary: "Transfer tokens from one of your accounts to any registered account (the sender signs)" })
  @ApiCreatedResponse({ type: TokenMovementDto })
  async transfer(@Body() body: CreateTransferDto, @IdempotencyKey() key: string, @CurrentPrincipal() principal: Principal, @Res({ passthrough: true }) response: StatusSetter) {
    return answer(await this.movements.transfer(principal, key, body), response, 201);
  }

  @Get(':id')
  @Auth('organisation', 'operator')
  @ApiOkResponse({ type: TokenMovementDto })
  get(@Param('id') id: string, @CurrentPrincipal() principal: Principal): Promise<TokenMovementDto> {
    return this.movements.get(id, 'TRANSFER', principal);
  }
}
