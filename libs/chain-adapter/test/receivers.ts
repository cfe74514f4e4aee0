// Runtime bytecode of two ERC-1155 receivers, compiled here with solc for the receiver-hook tests:
// one accepts (returns the hook's selector), one refuses (returns something else).
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

const source = `
// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;
contract AcceptingReceiver {
    event Received(address operator, address from, uint256 id, uint256 value);
    function onERC1155Received(address operator, address from, uint256 id, uint256 value, bytes calldata) external returns (bytes4) {
        emit Received(operator, from, id, value);
        return this.onERC1155Received.selector;
    }
    function onERC1155BatchReceived(address, address, uint256[] calldata, uint256[] calldata, bytes calldata) external pure returns (bytes4) {
        return this.onERC1155BatchReceived.selector;
    }
    function supportsInterface(bytes4 interfaceId) external pure returns (bool) {
        return interfaceId == 0x4e2312e0 || interfaceId == 0x01ffc9a7;
    }
}
contract RefusingReceiver {
    function onERC1155Received(address, address, uint256, uint256, bytes calldata) external pure returns (bytes4) {
        return 0xdeadbeef;
    }
}
`;

export function receiverBytecode(): { accepting: string; refusing: string } {
  const solc = require('solc');
  const output = JSON.parse(
    solc.compile(
      JSON.stringify({
        language: 'Solidity',
        sources: { 'Receivers.sol': { content: source } },
        settings: { evmVersion: 'cancun', outputSelection: { '*': { '*': ['evm.deployedBytecode.object'] } } },
      }),
    ),
  );
  const contracts = output.contracts['Receivers.sol'];
  return {
    accepting: `0x${contracts.AcceptingReceiver.evm.deployedBytecode.object}`,
    refusing: `0x${contracts.RefusingReceiver.evm.deployedBytecode.object}`,
  };
}
