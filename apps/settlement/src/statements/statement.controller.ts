import { Controller, Get, Header, Query, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { Auth, CurrentPrincipal, type Principal } from '#common';
import { StatementDto, StatementQuery } from './statement.dto.js';
import { StatementService } from './statement.service.js';

type Response = { type(contentType: string): void };

@ApiTags('statements')
@Controller('v1/statements')
export class StatementController {
  constructor(private readonly statements: StatementService) {}

  @Get()
  @Auth('organisation', 'operator')
  @Header('Cache-Control', 'no-store')
  @ApiOperation({ summary: "A credit line's statement for a period: opening balance, payments, refunds, settlements, closing balance (JSON or CSV)" })
  @ApiProduces('application/json', 'text/csv')
  @ApiOkResponse({ type: StatementDto })
  async get(@Query() query: StatementQuery, @CurrentPrincipal() principal: Principal, @Res({ passthrough: true }) response: Response): Promise<StatementDto | string> {
    const statement = await this.statements.statement(principal, query);
    if (query.format !== 'csv') return statement;
    response.type('text/csv; charset=utf-8');
    return this.statements.toCsv(statement);
  }
}
