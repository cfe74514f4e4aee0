// AccountRegistry events → accounts view, and account.* events.
import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { accountKinds, orgCodeOf, type ChainEvent, type Projection } from '#chain-adapter';
import { appendEvents, eventTypes, type EventType } from '#common';
import { Account } from './account.entity.js';

const statusEvents: Record<string, { status: Account['status']; type: EventType }> = {
  AccountFrozen: { status: 'FROZEN', type: eventTypes.accountFrozen },
  AccountUnfrozen: { status: 'ACTIVE', type: eventTypes.accountUnfrozen },
  AccountClosed: { status: 'CLOSED', type: eventTypes.accountClosed },
};

@Injectable()
export class AccountProjector implements Projection {
  readonly events = [
    'AccountRegistry.AccountRegistered',
    'AccountRegistry.QualificationRenewed',
    'AccountRegistry.AccountFrozen',
    'AccountRegistry.AccountUnfrozen',
    'AccountRegistry.AccountClosed',
  ] as const;
  readonly viewTables = ['accounts'];

  async apply(event: ChainEvent, manager: EntityManager): Promise<void> {
    const address = event.args.account as string;
    const operationId = event.args.operationId as string;
    const occurredAt = new Date(Number(event.blockTimestamp) * 1000);
    const updated = {
      updatedBlockNumber: event.proof.blockNumber,
      updatedTxHash: event.proof.txHash,
      updatedLogIndex: event.proof.logIndex,
    };

    if (event.name === 'AccountRegistered') {
      const orgCode = orgCodeOf(event.args.orgId as string);
      const kind = accountKinds[Number(event.args.kind)] as Account['kind'];
      const qualificationExpiresAt = event.args.qualificationExpiresAt as bigint;
      await manager.upsert(
        Account,
        {
          address,
          orgCode,
          kind,
          status: 'ACTIVE',
          certificateHash: event.args.certificateHash as string,
          qualificationExpiresAt,
          registeredAt: occurredAt,
          chainId: event.proof.chainId,
          blockNumber: event.proof.blockNumber,
          txHash: event.proof.txHash,
          logIndex: event.proof.logIndex,
          ...updated,
        },
        ['address'],
      );
      await appendEvents(manager, [
        {
          type: eventTypes.accountRegistered,
          orgId: orgCode,
          source: event.proof,
          occurredAt,
          data: {
            operationId,
            address,
            orgId: orgCode,
            kind,
            certificateHash: event.args.certificateHash,
            qualificationExpiresAt: qualificationExpiresAt.toString(),
          },
        },
      ]);
      return;
    }

    const account = await manager.findOneBy(Account, { address });
    if (!account) throw new Error(`${event.name} for unknown account ${address} at ${event.proof.txHash}`);
    let type: EventType;
    let data: Record<string, unknown> = { operationId, address, orgId: account.orgCode };
    if (event.name === 'QualificationRenewed') {
      const qualificationExpiresAt = event.args.qualificationExpiresAt as bigint;
      await manager.update(Account, { address }, { certificateHash: event.args.certificateHash as string, qualificationExpiresAt, ...updated });
      type = eventTypes.accountQualificationRenewed;
      data = { ...data, certificateHash: event.args.certificateHash, qualificationExpiresAt: qualificationExpiresAt.toString() };
    } else {
      const change = statusEvents[event.name];
      await manager.update(Account, { address }, { status: change.status, ...updated });
      type = change.type;
    }
    await appendEvents(manager, [{ type, orgId: account.orgCode, source: event.proof, occurredAt, data }]);
  }
}
