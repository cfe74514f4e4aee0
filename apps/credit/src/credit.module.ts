// S3 credit management: credit accounts and their operations, credit applications and the merchant's
// decisions, credit lines with utilisation alerts — each verified and recorded by CreditLedger.
import { Module } from '@nestjs/common';
import {
  AccountDirectoryProjector,
  ChainAdapterModule,
  DirectoryAccount,
  chainAdapterEntities,
  chainAdapterMigrations,
} from '#chain-adapter';
import { CommonModule, loadConfig } from '#common';
import { CreditAccountController } from './credit-accounts/credit-account.controller.js';
import { CreditAccount } from './credit-accounts/credit-account.entity.js';
import { CreditAccountProjector } from './credit-accounts/credit-account.projector.js';
import { CreditAccountService } from './credit-accounts/credit-account.service.js';
import { CreditApplicationController } from './credit-applications/credit-application.controller.js';
import { CreditApplication, CreditApplicationRecord } from './credit-applications/credit-application.entity.js';
import { CreditApplicationProjector } from './credit-applications/credit-application.projector.js';
import { CreditApplicationService } from './credit-applications/credit-application.service.js';
import { CreditLineController } from './credit-lines/credit-line.controller.js';
import { CreditLine } from './credit-lines/credit-line.entity.js';
import { CreditLineHandlers } from './credit-lines/credit-line.handlers.js';
import { CreditLineProjector } from './credit-lines/credit-line.projector.js';
import { CreditLineService } from './credit-lines/credit-line.service.js';
import { CreditTables1764000000200 } from './migrations/1764000000200-credit-tables.js';

export const creditConfig = () => loadConfig('credit');

@Module({
  imports: [
    CommonModule.forService({
      config: creditConfig(),
      entities: [...chainAdapterEntities, DirectoryAccount, CreditAccount, CreditApplicationRecord, CreditApplication, CreditLine],
      migrations: [...chainAdapterMigrations, CreditTables1764000000200],
      replicateApiKeys: true,
    }),
    // Order matters within a block: accounts before what names them, lines before the bills' accounts.
    ChainAdapterModule.forService([AccountDirectoryProjector, CreditApplicationProjector, CreditLineProjector, CreditAccountProjector]),
  ],
  controllers: [CreditAccountController, CreditApplicationController, CreditLineController, CreditLineHandlers],
  providers: [CreditAccountService, CreditApplicationService, CreditLineService],
})
export class CreditModule {}
