// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {IConsortium} from "./IConsortium.sol";

/// @title Shared shape of every Tally operation contract.
/// @notice Operations are submitted by registered relayers, one at a time or in a batch; each one
/// carries an operation id (the first word of its arguments), is recorded at most once, and is
/// authorised only by the EIP-712 signatures it carries, never by `msg.sender`.
/// @dev In a batch each call runs as an external self-call, so a refused item reverts alone and is
/// reported by `OperationRejected` with the custom error's bytes; the rest of the batch goes on.
abstract contract RelayedOperations is EIP712 {
    /// @notice Upper bound on the calls in one batch (keeps every loop bounded).
    uint256 public constant MAX_BATCH_SIZE = 512;

    IConsortium public immutable consortium;

    mapping(bytes32 operationId => bool) private _recorded;

    /// @dev Transient (zero at the start of every transaction): a counter of batch scopes, and the
    /// current scope (0 outside a `batch` call). A cache keyed by the scope lives as long as one
    /// outermost `batch` call; scope numbers are never reused within a transaction, so nothing
    /// cached in one batch call is read in another (state may change between them).
    uint256 private transient _batchScopes;
    uint256 private transient _currentBatchScope;

    /// @notice An item of a batch was refused; `errorData` is the custom error it reverted with.
    event OperationRejected(bytes32 indexed operationId, bytes errorData);

    error NotRelayer(address caller);
    error BatchTooLarge(uint256 size, uint256 maximum);
    error DuplicateOperation(bytes32 operationId);
    error DeadlinePassed(uint64 deadline, uint256 blockTimestamp);
    error InvalidSignature(address expectedSigner, address recoveredSigner);

    constructor(IConsortium consortium_) EIP712("Tally", "1") {
        consortium = consortium_;
    }

    modifier onlyRelayer() {
        if (msg.sender != address(this) && !consortium.isRelayer(msg.sender)) revert NotRelayer(msg.sender);
        _;
    }

    /// @notice Runs several operations of this contract in one transaction.
    /// @param calls ABI-encoded calls of this contract's operation functions.
    /// @return accepted Per call, whether it was recorded.
    function batch(bytes[] calldata calls) external onlyRelayer returns (bool[] memory accepted) {
        uint256 size = calls.length;
        if (size > MAX_BATCH_SIZE) revert BatchTooLarge(size, MAX_BATCH_SIZE);
        accepted = new bool[](size);
        bool outermost = _enterBatch();
        for (uint256 i = 0; i < size; ++i) {
            (bool success, bytes memory errorData) = address(this).call(calls[i]);
            if (success) {
                accepted[i] = true;
            } else {
                bytes32 operationId = calls[i].length >= 36 ? bytes32(calls[i][4:36]) : bytes32(0);
                emit OperationRejected(operationId, errorData);
            }
        }
        _exitBatch(outermost);
    }

    /// @notice Whether an operation id has been recorded by this contract.
    function operationRecorded(bytes32 operationId) public view virtual returns (bool) {
        return _recorded[operationId];
    }

    /// @notice The EIP-712 domain separator of this contract (name "Tally", version "1").
    function domainSeparator() external view returns (bytes32) {
        return _domainSeparatorV4();
    }

    function _useOperation(bytes32 operationId) internal virtual {
        if (_recorded[operationId]) revert DuplicateOperation(operationId);
        _recorded[operationId] = true;
    }

    /// @dev Starts a batch scope unless one is running (a batch inside a batch); returns whether it did.
    function _enterBatch() internal returns (bool outermost) {
        outermost = _currentBatchScope == 0;
        if (outermost) {
            uint256 scope = _batchScopes + 1;
            _batchScopes = scope;
            _currentBatchScope = scope;
        }
    }

    /// @dev Ends the batch scope `_enterBatch` started.
    function _exitBatch(bool outermost) internal {
        if (outermost) _currentBatchScope = 0;
    }

    /// @dev Reverts with `errorData` as it is (a custom error's selector and arguments).
    function _revertWith(bytes memory errorData) internal pure {
        assembly ("memory-safe") {
            revert(add(errorData, 32), mload(errorData))
        }
    }

    /// @dev The current batch scope: 0 outside a `batch` call, else a number unique in the transaction.
    function _batchScope() internal view returns (uint256) {
        return _currentBatchScope;
    }

    function _checkDeadline(uint64 deadline) internal view {
        if (block.timestamp > deadline) revert DeadlinePassed(deadline, block.timestamp);
    }

    /// @dev Reverts unless `signature` over the typed struct `structHash` was made by `expectedSigner`.
    function _checkSignature(bytes32 structHash, bytes calldata signature, address expectedSigner) internal view {
        (address recovered, ECDSA.RecoverError recoverError, ) = ECDSA.tryRecoverCalldata(
            _hashTypedDataV4(structHash),
            signature
        );
        if (recoverError != ECDSA.RecoverError.NoError || recovered != expectedSigner || recovered == address(0)) {
            revert InvalidSignature(expectedSigner, recovered);
        }
    }
}
