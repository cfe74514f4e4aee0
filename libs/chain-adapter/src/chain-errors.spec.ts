import { artifacts } from './contracts.js';
import { chainErrorCodes, decodeChainError } from './chain-errors.js';
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
