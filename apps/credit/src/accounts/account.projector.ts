// AccountRegistry.AccountRegistered → the accounts this service authorises against.
import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { accountKinds, orgCodeOf, type ChainEvent, type Projection } from '#chain-adapter';
import { Account } from './account.entity.js';

@Injectable()
export class AccountProjector implements Projection {
  readonly events = ['AccountRegistry.AccountRegistered'] as const;
  readonly viewTables = ['accounts'];

  async apply(event: ChainEvent, manager: EntityManager): Promise<void> {
    await manager.upsert(
      Account,
      {
        address: event.args.account as string,
        orgCode: orgCodeOf(event.args.orgId as string),
        kind: accountKinds[Number(event.args.kind)] as Account['kind'],
        ...event.proof,
      },
      ['address'],
    );
  }
}
