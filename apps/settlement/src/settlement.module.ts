// S5 settlement: bills in step with the chain, settlements by tokens or bank transfer, statements,
// clearing positions between organisations, and reconciliation of every service with the chain.
import { Module } from '@nestjs/common';
import { AccountDirectoryProjector, ChainAdapterModule, DirectoryAccount, chainAdapterEntities, chainAdapterMigrations } from '#chain-adapter';
import { CommonModule, loadConfig } from '#common';
import { BillController } from './bills/bill.controller.js';
import { Bill, LineEntry, SettlementLine, SettlementTokenClass } from './bills/bill.entity.js';
import { BillProjector } from './bills/bill.projector.js';
import { BillService } from './bills/bill.service.js';
import { ClearingController } from './clearing/clearing.controller.js';
import { ClearingService } from './clearing/clearing.service.js';
import { SettlementTables1764000000400 } from './migrations/1764000000400-settlement-tables.js';
import { ReconciliationController } from './reconciliation/reconciliation.controller.js';
import { ReconciliationService } from './reconciliation/reconciliation.service.js';
import { SettlementController } from './settlements/settlement.controller.js';
import { ClearingReport, Settlement, SettlementRecord } from './settlements/settlement.entity.js';
import { SettlementProjector } from './settlements/settlement.projector.js';
import { SettlementService } from './settlements/settlement.service.js';
import { StatementController } from './statements/statement.controller.js';
import { StatementService } from './statements/statement.service.js';

export const settlementConfig = () => loadConfig('settlement', ['OPERATOR_PRIVATE_KEY']);

@Module({
  imports: [
    CommonModule.forService({
      config: settlementConfig(),
      entities: [...chainAdapterEntities, DirectoryAccount, SettlementLine, SettlementTokenClass, Bill, LineEntry, SettlementRecord, Settlement, ClearingReport],
      migrations: [...chainAdapterMigrations, SettlementTables1764000000400],
      replicateApiKeys: true,
    }),
    ChainAdapterModule.forService([AccountDirectoryProjector, BillProjector, SettlementProjector]),
  ],
  controllers: [BillController, SettlementController, StatementController, ClearingController, ReconciliationController],
  providers: [BillService, SettlementService, StatementService, ClearingService, ReconciliationService],
})
export class SettlementModule {}
