// Looks up registered accounts and checks who may act for them. The service's own projection is
// read first; an account registered moments ago that it has not projected yet is read from the
// chain, which decides anyway.
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ChainClient } from '../chain-client.js';
import { normaliseAddress, orgCodeOf } from '../ids.js';
import { TallyError } from '#common';
import { DirectoryAccount } from './account-directory.entity.js';

export type KnownAccount = Pick<DirectoryAccount, 'address' | 'orgCode' | 'kind'>;

/** Accounts kept in memory: an account's organisation and kind never change once registered. */
const CACHED_ACCOUNTS = 10_000;

@Injectable()
export class AccountDirectory {
  constructor(
    private readonly dataSource: DataSource,
    private readonly chain: ChainClient,
  ) {}

  /** The registered account at `address`, of `kind`; 404 when unknown, 422 when of the other kind. */
  async require(address: string, kind: DirectoryAccount['kind'], field: string): Promise<KnownAccount> {
    const account = await this.find(address);
    if (!account) throw new TallyError('ACCOUNT_NOT_FOUND', { [field]: address });
    if (account.kind !== kind) throw new TallyError('INVALID_ACCOUNT_KIND', { [field]: address, kind: account.kind, expected: kind });
    return account;
  }

  /** Refuses unless the caller is the account's organisation. */
  requireOwnedBy(account: KnownAccount, orgId: string): void {
    if (account.orgCode !== orgId) throw new TallyError('FORBIDDEN', { address: account.address, reason: "another organisation's account" });
  }

  private readonly known = new Map<string, KnownAccount>();
  /** Lookups under way: concurrent requests naming one account (a burst of its payments) share one. */
  private readonly looking = new Map<string, Promise<KnownAccount | null>>();

  /**
   * The registered account at `address`, or null. Its organisation and kind are immutable, so a
   * found account is remembered (status and qualification are not: the chain checks those).
   */
  async find(address: string): Promise<KnownAccount | null> {
    const normalised = normaliseAddress(address);
    if (!normalised) return null;
    const remembered = this.known.get(normalised);
    if (remembered) return remembered;
    let lookup = this.looking.get(normalised);
    if (!lookup) {
      const started: Promise<KnownAccount | null> = this.lookUp(normalised).finally(() => {
        if (this.looking.get(normalised) === started) this.looking.delete(normalised);
      });
      lookup = started;
      this.looking.set(normalised, lookup);
    }
    return lookup;
  }

  /** Counts forget() calls: a lookup that began before one does not remember what it read. */
  private generation = 0;

  /**
   * Forgets the remembered accounts (after a reorg: a registration the views showed may be gone
   * from the chain, and the address may be registered again otherwise). Lookups under way still
   * answer, but what they read is not remembered.
   */
  forget(): void {
    this.generation += 1;
    this.known.clear();
    this.looking.clear();
  }

  private async lookUp(normalised: string): Promise<KnownAccount | null> {
    const generation = this.generation;
    const projected = await this.dataSource.manager.findOneBy(DirectoryAccount, { address: normalised });
    if (projected) {
      const account = { address: projected.address, orgCode: projected.orgCode, kind: projected.kind };
      if (generation === this.generation) {
        if (this.known.size >= CACHED_ACCOUNTS) this.known.clear();
        this.known.set(normalised, account);
      }
      return account;
    }
    const onChain = await this.chain.accountOf(normalised);
    if (onChain.kind === 'NONE') return null;
    return { address: normalised, orgCode: orgCodeOf(onChain.orgId), kind: onChain.kind };
  }
}
