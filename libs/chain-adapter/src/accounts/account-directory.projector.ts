// AccountRegistry.AccountRegistered → the accounts a service authorises against.
import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { accountKinds } from '../chain-client.js';
import { orgCodeOf } from '../ids.js';
import type { ChainEvent, Projection } from '../projector/projection.js';
import { DirectoryAccount } from './account-directory.entity.js';

@Injectable()
export class AccountDirectoryProjector implements Projection {
  readonly events = ['AccountRegistry.AccountRegistered'] as const;
  readonly viewTables = ['accounts'];

  async apply(event: ChainEvent, manager: EntityManager): Promise<void> {
    await manager.upsert(
      DirectoryAccount,
      {
        address: event.args.account as string,
        orgCode: orgCodeOf(event.args.orgId as string),
        kind: accountKinds[Number(event.args.kind)] as DirectoryAccount['kind'],
        ...event.proof,
      },
      ['address'],
    );
  }
}
