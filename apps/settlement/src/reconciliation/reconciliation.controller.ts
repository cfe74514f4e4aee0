import { Controller, Get } from '@nestjs/common';
import { MessagePattern } from '@nestjs/microservices';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { Auth, requestSubjects, type ReconciliationSnapshot } from '#common';
import { ReconciliationService, type ReconciliationReport } from './reconciliation.service.js';

class DriftDto {
  @ApiProperty({ example: 'invariant-1.line-used-is-sum-of-open-bills' }) check: string;
  @ApiProperty({ description: 'The line, account, credit account or token class' }) subject: string;
  @ApiProperty({ description: 'What the chain says' }) expected: string;
  @ApiProperty({ description: 'What the view says' }) actual: string;
  @ApiProperty() service: string;
  @ApiProperty({ description: "The block the service's view reflects" }) block: string;
}

class ReconciliationReportDto {
  @ApiProperty({ description: 'No drift found' }) ok: boolean;
  @ApiProperty() checkedAt: string;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' }, description: 'The block each service was compared at' }) blocks: Record<string, string>;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'number' } }) counts: Record<string, number>;
  @ApiPropertyOptional({ description: 'A view had more rows than one reconciliation reads' }) truncated: boolean;
  @ApiProperty({ type: [DriftDto] }) drifts: DriftDto[];
}

@ApiTags('reconciliation')
@Controller()
export class ReconciliationController {
  constructor(private readonly reconciliation: ReconciliationService) {}

  @Get('v1/reconciliation')
  @Auth('operator')
  @ApiOperation({ summary: "Compare every service's views with the chain and check the invariants (operator only); zero drifts when healthy" })
  @ApiOkResponse({ type: ReconciliationReportDto })
  run(): Promise<ReconciliationReport> {
    return this.reconciliation.run();
  }

  @MessagePattern(requestSubjects.reconciliation('settlement'))
  snapshot(): Promise<ReconciliationSnapshot> {
    return this.reconciliation.snapshot();
  }
}
