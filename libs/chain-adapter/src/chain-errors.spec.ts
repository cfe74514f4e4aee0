import { artifacts } from './contracts.js';
import { chainErrorCodes, decodeChainError, enumMembers } from './chain-errors.js';
import { interfaceOf } from './contracts.js';
import { errorCatalogue } from '#common';

describe('decodeChainError', () => {
  it('maps every custom error of every contract to a documented API code', () => {
    for (const [name, artifact] of Object.entries(artifacts)) {
      for (const item of artifact.abi) {
        if (item.type !== 'error') continue;
        const code = chainErrorCodes[item.name];
        expect({ contract: name, error: item.name, code }).toEqual({ contract: name, error: item.name, code: expect.any(String) });
        expect(Object.keys(errorCatalogue)).toContain(code);
      }
    }
  });

  it('decodes a custom error with the values that prove it', () => {
    const data = interfaceOf('AccountRegistry').encodeErrorResult('QualificationLapsed', [
      '0x00000000000000000000000000000000000000aa',
      100n,
      200n,
    ]);
    expect(decodeChainError(data)).toEqual({
      code: 'QUALIFICATION_LAPSED',
      errorName: 'QualificationLapsed',
      args: { account: '0x00000000000000000000000000000000000000AA', qualificationExpiresAt: '100', blockTimestamp: '200' },
      retryable: false,
    });
  });

  it('treats an empty revert as retryable and unknown data as CHAIN_REJECTED', () => {
    expect(decodeChainError('0x')).toMatchObject({ code: 'CHAIN_EXECUTION_FAILED', retryable: true });
    expect(decodeChainError('0xdeadbeef')).toMatchObject({ code: 'CHAIN_REJECTED', retryable: false });
  });
});

describe('decodeChainError enum arguments', () => {
  it('names enum values instead of their numbers', () => {
    const data = interfaceOf('CreditLedger').encodeErrorResult('FrozenByOtherParty', [`0x${'ab'.repeat(32)}`, 3, 1]);
    expect(decodeChainError(data).args).toEqual({ creditAccountId: `0x${'ab'.repeat(32)}`, frozenBy: 'ORGANISATION', actor: 'ENTERPRISE' });
  });

  it('knows the members of every enum an error carries', () => {
    const enumTypes = new Set<string>();
    for (const artifact of Object.values(artifacts)) {
      for (const item of artifact.abi as ReadonlyArray<{ type: string; inputs?: ReadonlyArray<{ internalType?: string }> }>) {
        if (item.type !== 'error') continue;
        for (const input of item.inputs ?? []) if (input.internalType?.startsWith('enum ')) enumTypes.add(input.internalType.slice(5));
      }
    }
    expect([...enumTypes].filter((type) => !(type in enumMembers))).toEqual([]);
  });
});
