import { Module } from '@nestjs/common';
import { ChainAdapterModule, chainAdapterEntities, chainAdapterMigrations } from '#chain-adapter';
import { CommonModule, loadConfig } from '#common';
import { AccountController } from './accounts/account.controller.js';
import { Account, AccountRecord, QualificationRecord } from './accounts/account.entity.js';
import { AccountHandlers } from './accounts/account.handlers.js';
import { AccountProjector } from './accounts/account.projector.js';
import { AccountService } from './accounts/account.service.js';
import { ApiKeyController } from './api-keys/api-key.controller.js';
import { ApiKeyService } from './api-keys/api-key.service.js';
import { KeyCustodyService } from './custody/key-custody.service.js';
import { RegistrationTables1764000000100 } from './migrations/1764000000100-registration-tables.js';
import { OrganisationController } from './organisations/organisation.controller.js';
import { Organisation, OrganisationRecord, Relayer } from './organisations/organisation.entity.js';
import { OrganisationProjector } from './organisations/organisation.projector.js';
import { OrganisationService } from './organisations/organisation.service.js';

export const registrationConfig = () => loadConfig('registration', ['MASTER_KEY', 'OPERATOR_PRIVATE_KEY']);

@Module({
  imports: [
    CommonModule.forService({
      config: registrationConfig(),
      entities: [...chainAdapterEntities, OrganisationRecord, Organisation, Relayer, AccountRecord, Account, QualificationRecord],
      migrations: [...chainAdapterMigrations, RegistrationTables1764000000100],
      replicateApiKeys: false,
    }),
    ChainAdapterModule.forService([OrganisationProjector, AccountProjector]),
  ],
  controllers: [OrganisationController, ApiKeyController, AccountController, AccountHandlers],
  providers: [KeyCustodyService, OrganisationService, ApiKeyService, AccountService],
})
export class RegistrationModule {}
