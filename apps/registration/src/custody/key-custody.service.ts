// Signs for the organisations this deployment hosts (admin and attestor keys) and for custodial
// accounts, with keys sealed under the master key. Signs only Tally's declared EIP-712 types.
import { Inject, Injectable } from '@nestjs/common';
import { DataSource, In } from 'typeorm';
import { ChainClient, KeyVault, isPrimaryType, type GeneratedKey, type PrimaryType, type TypedData } from '#chain-adapter';
import { TALLY_CONFIG, groupedLookup, TallyError, type TallyConfig } from '#common';
import { AccountRecord } from '../accounts/account.entity.js';
import { OrganisationRecord } from '../organisations/organisation.entity.js';

@Injectable()
export class KeyCustodyService {
  private readonly vault: KeyVault;

  constructor(
    @Inject(TALLY_CONFIG) config: TallyConfig,
    private readonly dataSource: DataSource,
    private readonly chain: ChainClient,
  ) {
    this.vault = new KeyVault(config.masterKey!);
  }

  generate(): GeneratedKey {
    return this.vault.generate();
  }

  signWith(sealedKey: string, address: string, typedData: TypedData): string {
    return this.vault.signTypedData(sealedKey, address, typedData);
  }

  exportPrivateKey(sealedKey: string, address: string): string {
    return this.vault.exportPrivateKey(sealedKey, address);
  }

  async organisationRecord(orgCode: string): Promise<OrganisationRecord> {
    const record = await this.dataSource.manager.findOneBy(OrganisationRecord, { code: orgCode });
    if (!record) throw new TallyError('ORGANISATION_NOT_FOUND', { orgId: orgCode });
    return record;
  }

  async signAsAttestor(orgCode: string, typedData: TypedData): Promise<string> {
    const record = await this.organisationRecord(orgCode);
    return this.signWith(record.sealedAttestorKey, record.attestorAddress, typedData);
  }

  /** Concurrent signatures (a burst of custodial payments) read their accounts' records in one query. */
  private readonly accountRecords = groupedLookup(
    (addresses: string[]) => this.dataSource.manager.findBy(AccountRecord, { address: In(addresses) }),
    (record) => record.address,
  );

  /** Signs a declared type for `orgCode`, as its attestor or as one of its custodial accounts. */
  async sign(
    orgCode: string,
    signer: { kind: 'ACCOUNT'; address: string } | { kind: 'ATTESTOR' },
    primaryType: string,
    message: Record<string, string | number | boolean>,
  ): Promise<{ signer: string; signature: string }> {
    if (!isPrimaryType(primaryType)) throw new TallyError('VALIDATION_FAILED', { primaryType: 'not a Tally EIP-712 type' });
    const typedData = this.chain.typedData(primaryType as PrimaryType, message);
    if (signer.kind === 'ATTESTOR') {
      const record = await this.organisationRecord(orgCode);
      return { signer: record.attestorAddress, signature: this.signWith(record.sealedAttestorKey, record.attestorAddress, typedData) };
    }
    const account = await this.accountRecords.call(signer.address);
    if (!account) throw new TallyError('ACCOUNT_NOT_FOUND', { address: signer.address });
    if (account.orgCode !== orgCode) throw new TallyError('FORBIDDEN', { address: signer.address });
    if (!account.sealedKey) throw new TallyError('FORBIDDEN', { address: signer.address, reason: 'self-custody account: it signs for itself' });
    return { signer: account.address, signature: this.signWith(account.sealedKey, account.address, typedData) };
  }
}
