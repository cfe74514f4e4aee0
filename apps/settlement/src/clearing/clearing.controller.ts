import { Body, Controller, Get, Param, Post, Query, Res } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiWrite, Auth, CurrentPrincipal, IdempotencyKey, answer, type Principal, type StatusSetter } from '#common';
import { AnchorClearingReportDto, ClearingPeriodQuery, ClearingPositionsDto, ClearingReportDto } from './clearing.dto.js';
import { ClearingService } from './clearing.service.js';

@ApiTags('clearing-positions')
@Controller('v1/clearing-positions')
export class ClearingController {
  constructor(private readonly clearing: ClearingService) {}

  @Get()
  @Auth('organisation', 'operator')
  @ApiOperation({ summary: 'Net positions between organisations for a period (tokens of one settling bills of the other), with the entries behind them and their Merkle proofs' })
  @ApiOkResponse({ type: ClearingPositionsDto })
  positions(@Query() query: ClearingPeriodQuery, @CurrentPrincipal() principal: Principal): Promise<ClearingPositionsDto> {
    return this.clearing.positions(principal, new Date(query.from), new Date(query.to), query.currency);
  }

  @Post('reports')
  @Auth('operator')
  @ApiWrite()
  @ApiOperation({ summary: "Anchor a period's clearing report on chain (its Merkle root); operator only" })
  @ApiCreatedResponse({ type: ClearingReportDto })
  async anchor(@Body() body: AnchorClearingReportDto, @IdempotencyKey() key: string, @Res({ passthrough: true }) response: StatusSetter) {
    return answer(await this.clearing.anchor(key, new Date(body.from), new Date(body.to)), response, 201);
  }

  @Get('reports/:id')
  @Auth('organisation', 'operator')
  @ApiOperation({ summary: "An anchored report: the positions, the caller's entries with their proofs, and whether the views still give the anchored root" })
  @ApiOkResponse({ type: ClearingReportDto })
  report(@Param('id') id: string, @CurrentPrincipal() principal: Principal): Promise<ClearingReportDto> {
    return this.clearing.report(principal, id);
  }
}
