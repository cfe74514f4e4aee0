// Consortium events → organisations and relayers views, and organisation.* events.
import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { orgCodeOf, type ChainEvent, type Projection } from '#chain-adapter';
import { appendEvents, eventTypes, type EventType } from '#common';
import { Organisation, Relayer } from './organisation.entity.js';

@Injectable()
export class OrganisationProjector implements Projection {
  readonly events = [
    'Consortium.OrganisationAdmitted',
    'Consortium.OrganisationSuspended',
    'Consortium.OrganisationReinstated',
    'Consortium.KeysRotated',
    'Consortium.RelayerAdded',
    'Consortium.RelayerRemoved',
  ] as const;
  readonly viewTables = ['organisations', 'relayers'];

  async apply(event: ChainEvent, manager: EntityManager): Promise<void> {
    const code = orgCodeOf(event.args.orgId as string);
    const proof = {
      chainId: event.proof.chainId,
      blockNumber: event.proof.blockNumber,
      txHash: event.proof.txHash,
      logIndex: event.proof.logIndex,
    };
    let type: EventType | undefined;
    switch (event.name) {
      case 'OrganisationAdmitted':
        await manager.upsert(
          Organisation,
          {
            code,
            adminAddress: event.args.admin as string,
            attestorAddress: event.args.attestor as string,
            status: 'ACTIVE',
            admittedAt: new Date(Number(event.blockTimestamp) * 1000),
            ...proof,
          },
          ['code'],
        );
        type = eventTypes.organisationAdmitted;
        break;
      case 'OrganisationSuspended':
      case 'OrganisationReinstated':
        await manager.update(Organisation, { code }, { status: event.name === 'OrganisationSuspended' ? 'SUSPENDED' : 'ACTIVE', ...proof });
        type = event.name === 'OrganisationSuspended' ? eventTypes.organisationSuspended : eventTypes.organisationReinstated;
        break;
      case 'KeysRotated':
        await manager.update(Organisation, { code }, { adminAddress: event.args.admin as string, attestorAddress: event.args.attestor as string, ...proof });
        break;
      case 'RelayerAdded':
        await manager.upsert(Relayer, { address: event.args.relayer as string, orgCode: code, ...proof }, ['address']);
        break;
      case 'RelayerRemoved':
        await manager.delete(Relayer, { address: event.args.relayer as string });
        break;
    }
    if (type) {
      await appendEvents(manager, [
        { type, orgId: code, source: event.proof, occurredAt: new Date(Number(event.blockTimestamp) * 1000), data: { orgId: code, code } },
      ]);
    }
  }
}
