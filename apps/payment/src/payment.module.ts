// S2/S4 tokens and payments: token classes and merchants' acceptance, issuances, redemptions and
// transfers, balances, payments on credit and in tokens, and refunds — each verified on chain.
import { Module } from '@nestjs/common';
import { AccountDirectoryProjector, ChainAdapterModule, DirectoryAccount, chainAdapterEntities, chainAdapterMigrations } from '#chain-adapter';
import { CommonModule, loadConfig } from '#common';
import { BalanceController } from './balances/balance.controller.js';
import { BalanceService } from './balances/balance.service.js';
import { PaymentTables1764000000300 } from './migrations/1764000000300-payment-tables.js';
import { PaymentLines1764000000310 } from './migrations/1764000000310-payment-lines.js';
import { PaymentController } from './payments/payment.controller.js';
import { PaymentHandlers } from './payments/payment.handlers.js';
import { Payment, PaymentLine, Refund } from './payments/payment.entity.js';
import { PaymentProjector } from './payments/payment.projector.js';
import { PaymentService } from './payments/payment.service.js';
import { RefundController } from './refunds/refund.controller.js';
import { RefundService } from './refunds/refund.service.js';
import { TokenClassController } from './token-classes/token-class.controller.js';
import { TokenAcceptance, TokenClass, TokenClassRecord } from './token-classes/token-class.entity.js';
import { TokenClassProjector } from './token-classes/token-class.projector.js';
import { TokenClassService } from './token-classes/token-class.service.js';
import { IssuanceController, RedemptionController, TransferController } from './token-movements/token-movement.controller.js';
import { Balance, TokenMovement } from './token-movements/token-movement.entity.js';
import { TokenMovementProjector } from './token-movements/token-movement.projector.js';
import { TokenMovementService } from './token-movements/token-movement.service.js';

export const paymentConfig = () => loadConfig('payment');

@Module({
  imports: [
    CommonModule.forService({
      config: paymentConfig(),
      entities: [...chainAdapterEntities, DirectoryAccount, TokenClassRecord, TokenClass, TokenAcceptance, TokenMovement, Balance, Payment, PaymentLine, Refund],
      migrations: [...chainAdapterMigrations, PaymentTables1764000000300, PaymentLines1764000000310],
      replicateApiKeys: true,
    }),
    ChainAdapterModule.forService([AccountDirectoryProjector, TokenClassProjector, TokenMovementProjector, PaymentProjector]),
  ],
  controllers: [TokenClassController, IssuanceController, RedemptionController, TransferController, BalanceController, PaymentController, RefundController, PaymentHandlers],
  providers: [TokenClassService, TokenMovementService, BalanceService, PaymentService, RefundService],
})
export class PaymentModule {}
