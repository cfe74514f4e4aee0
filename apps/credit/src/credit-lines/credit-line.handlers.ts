// NATS request-reply for the other services: a credit line's view.
import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { TallyError, requestSubjects, type CreditLineGetReply, type CreditLineGetRequest } from '#common';
import { CreditLineService } from './credit-line.service.js';

@Controller()
export class CreditLineHandlers {
  constructor(private readonly lines: CreditLineService) {}

  @MessagePattern(requestSubjects.credit.creditLineGet)
  async get(@Payload() request: CreditLineGetRequest): Promise<CreditLineGetReply> {
    if (typeof request?.lineId !== 'string') throw new TallyError('VALIDATION_FAILED', { lineId: 'required' });
    return this.lines.view(request.lineId);
  }
}
