// The deployable contracts, their ABIs and ethers Interfaces, looked up by name.
import { Interface } from 'ethers';
import { AccountRegistryArtifact, ConsortiumArtifact, CreditLedgerArtifact, PaymentsArtifact, SettlementsArtifact, TallyTokenArtifact } from './generated/contracts.js';

export const artifacts = {
  Consortium: ConsortiumArtifact,
  AccountRegistry: AccountRegistryArtifact,
  CreditLedger: CreditLedgerArtifact,
  TallyToken: TallyTokenArtifact,
  Payments: PaymentsArtifact,
  Settlements: SettlementsArtifact,
} as const;

export type ContractName = keyof typeof artifacts;
export const contractNames = Object.keys(artifacts) as ContractName[];

/** Contracts whose operations go through `batch` (RelayedOperations). */
export type OperationContract = Exclude<ContractName, 'Consortium'>;

const interfaces = new Map<ContractName, Interface>();

export function interfaceOf(name: ContractName): Interface {
  let found = interfaces.get(name);
  if (!found) {
    found = new Interface(artifacts[name].abi as unknown as string);
    interfaces.set(name, found);
  }
  return found;
}
