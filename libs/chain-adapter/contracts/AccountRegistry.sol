// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {IConsortium} from "./IConsortium.sol";
import {IAccountRegistry} from "./IAccountRegistry.sol";
import {RelayedOperations} from "./RelayedOperations.sol";

/// @title AccountRegistry — S1: accounts registered on the strength of their organisation's review.
/// @notice An account is registered only with its organisation attestor's signature over the
/// qualification review and the account key's own signature (proof of possession). The
/// qualification has an expiry: once it lapses the account cannot take new credit or pay until the
/// attestor renews it. The attestor also freezes, unfreezes and closes the organisation's accounts.
contract AccountRegistry is IAccountRegistry, RelayedOperations {
    bytes32 public constant QUALIFICATION_REVIEW_TYPEHASH =
        keccak256(
            "QualificationReview(bytes32 operationId,address account,bytes32 orgId,uint8 kind,bytes32 certificateHash,uint64 qualificationExpiresAt,uint64 deadline)"
        );
    bytes32 public constant ACCOUNT_KEY_PROOF_TYPEHASH =
        keccak256("AccountKeyProof(bytes32 operationId,address account,bytes32 orgId)");
    bytes32 public constant QUALIFICATION_RENEWAL_TYPEHASH =
        keccak256(
            "QualificationRenewal(bytes32 operationId,address account,bytes32 certificateHash,uint64 qualificationExpiresAt,uint64 deadline)"
        );
    bytes32 public constant ACCOUNT_STATUS_CHANGE_TYPEHASH =
        keccak256("AccountStatusChange(bytes32 operationId,address account,uint8 action,uint64 deadline)");

    /// @notice What an account status change does.
    enum StatusAction {
        NONE,
        FREEZE,
        UNFREEZE,
        CLOSE
    }

    /// @notice A qualification review, as signed by the organisation's attestor.
    struct Registration {
        bytes32 operationId;
        address account;
        bytes32 orgId;
        AccountKind kind;
        bytes32 certificateHash;
        uint64 qualificationExpiresAt;
        uint64 deadline;
    }

    struct QualificationRenewal {
        bytes32 operationId;
        address account;
        bytes32 certificateHash;
        uint64 qualificationExpiresAt;
        uint64 deadline;
    }

    struct AccountStatusChange {
        bytes32 operationId;
        address account;
        StatusAction action;
        uint64 deadline;
    }

    /// @notice The longest a qualification may run from its review.
    uint64 public constant MAX_QUALIFICATION_LIFETIME = 100 * 365 days;

    mapping(address account => Account) private _accounts;

    event AccountRegistered(
        bytes32 indexed operationId,
        address indexed account,
        bytes32 indexed orgId,
        AccountKind kind,
        bytes32 certificateHash,
        uint64 qualificationExpiresAt
    );
    event QualificationRenewed(
        bytes32 indexed operationId,
        address indexed account,
        bytes32 certificateHash,
        uint64 qualificationExpiresAt
    );
    event AccountFrozen(bytes32 indexed operationId, address indexed account);
    event AccountUnfrozen(bytes32 indexed operationId, address indexed account);
    event AccountClosed(bytes32 indexed operationId, address indexed account);

    error ZeroAddress();
    error InvalidAccountKind(AccountKind kind);
    error InvalidStatusAction(StatusAction action);
    error AccountAlreadyRegistered(address account);
    error AccountNotRegistered(address account);
    error AccountNotActive(address account, AccountStatus status);
    error InvalidStatusTransition(address account, AccountStatus status, StatusAction action);
    error QualificationExpiryNotInFuture(uint64 qualificationExpiresAt, uint256 blockTimestamp);
    error QualificationLapsed(address account, uint64 qualificationExpiresAt, uint256 blockTimestamp);
    error OrganisationNotActive(bytes32 orgId);

    constructor(IConsortium consortium_) RelayedOperations(consortium_) {}

    /// @notice Registers an account after its organisation's qualification review.
    /// @param registration The review, signed by the organisation's attestor.
    /// @param attestorSignature EIP-712 `QualificationReview` signature of the attestor.
    /// @param accountSignature EIP-712 `AccountKeyProof` signature of the account key.
    function register(
        Registration calldata registration,
        bytes calldata attestorSignature,
        bytes calldata accountSignature
    ) external onlyRelayer {
        address account = registration.account;
        if (account == address(0)) revert ZeroAddress();
        if (registration.kind != AccountKind.ENTERPRISE && registration.kind != AccountKind.MERCHANT) {
            revert InvalidAccountKind(registration.kind);
        }
        _checkDeadline(registration.deadline);
        _checkQualificationExpiry(registration.qualificationExpiresAt);
        if (_accounts[account].status != AccountStatus.NONE) revert AccountAlreadyRegistered(account);
        address attestor = _activeAttestor(registration.orgId);
        _checkSignature(
            keccak256(
                abi.encode(
                    QUALIFICATION_REVIEW_TYPEHASH,
                    registration.operationId,
                    account,
                    registration.orgId,
                    registration.kind,
                    registration.certificateHash,
                    registration.qualificationExpiresAt,
                    registration.deadline
                )
            ),
            attestorSignature,
            attestor
        );
        _checkSignature(
            keccak256(abi.encode(ACCOUNT_KEY_PROOF_TYPEHASH, registration.operationId, account, registration.orgId)),
            accountSignature,
            account
        );
        _useOperation(registration.operationId);

        _accounts[account] = Account({
            orgId: registration.orgId,
            kind: registration.kind,
            status: AccountStatus.ACTIVE,
            qualificationExpiresAt: registration.qualificationExpiresAt,
            certificateHash: registration.certificateHash
        });
        emit AccountRegistered(
            registration.operationId,
            account,
            registration.orgId,
            registration.kind,
            registration.certificateHash,
            registration.qualificationExpiresAt
        );
    }

    /// @notice Renews (or replaces) an account's qualification; signed by its organisation's attestor.
    function renewQualification(
        QualificationRenewal calldata renewal,
        bytes calldata attestorSignature
    ) external onlyRelayer {
        Account storage record = _registered(renewal.account);
        if (record.status == AccountStatus.CLOSED) revert AccountNotActive(renewal.account, record.status);
        _checkDeadline(renewal.deadline);
        _checkQualificationExpiry(renewal.qualificationExpiresAt);
        _checkSignature(
            keccak256(
                abi.encode(
                    QUALIFICATION_RENEWAL_TYPEHASH,
                    renewal.operationId,
                    renewal.account,
                    renewal.certificateHash,
                    renewal.qualificationExpiresAt,
                    renewal.deadline
                )
            ),
            attestorSignature,
            _activeAttestor(record.orgId)
        );
        _useOperation(renewal.operationId);

        record.certificateHash = renewal.certificateHash;
        record.qualificationExpiresAt = renewal.qualificationExpiresAt;
        emit QualificationRenewed(
            renewal.operationId,
            renewal.account,
            renewal.certificateHash,
            renewal.qualificationExpiresAt
        );
    }

    /// @notice Freezes, unfreezes or closes an account; signed by its organisation's attestor.
    /// @dev ACTIVE → FROZEN (freeze), FROZEN → ACTIVE (unfreeze), ACTIVE | FROZEN → CLOSED (close).
    function changeStatus(AccountStatusChange calldata change, bytes calldata attestorSignature) external onlyRelayer {
        Account storage record = _registered(change.account);
        AccountStatus next = _nextStatus(change.account, record.status, change.action);
        _checkDeadline(change.deadline);
        _checkSignature(
            keccak256(
                abi.encode(
                    ACCOUNT_STATUS_CHANGE_TYPEHASH,
                    change.operationId,
                    change.account,
                    change.action,
                    change.deadline
                )
            ),
            attestorSignature,
            _attestorForStatusChange(record.orgId, change.action)
        );
        _useOperation(change.operationId);

        record.status = next;
        if (change.action == StatusAction.FREEZE) emit AccountFrozen(change.operationId, change.account);
        else if (change.action == StatusAction.UNFREEZE) emit AccountUnfrozen(change.operationId, change.account);
        else emit AccountClosed(change.operationId, change.account);
    }

    /// @inheritdoc IAccountRegistry
    function accountOf(address account) external view returns (Account memory) {
        return _accounts[account];
    }

    /// @inheritdoc IAccountRegistry
    function requireUsable(address account) public view returns (Account memory record) {
        record = _accounts[account];
        if (record.status == AccountStatus.NONE) revert AccountNotRegistered(account);
        if (record.status != AccountStatus.ACTIVE) revert AccountNotActive(account, record.status);
        if (record.qualificationExpiresAt <= block.timestamp) {
            revert QualificationLapsed(account, record.qualificationExpiresAt, block.timestamp);
        }
        if (consortium.organisation(record.orgId).status != IConsortium.OrganisationStatus.ACTIVE) {
            revert OrganisationNotActive(record.orgId);
        }
    }

    /// @inheritdoc IAccountRegistry
    function isUsable(address account) external view returns (bool) {
        Account storage record = _accounts[account];
        return
            record.status == AccountStatus.ACTIVE &&
            record.qualificationExpiresAt > block.timestamp &&
            consortium.organisation(record.orgId).status == IConsortium.OrganisationStatus.ACTIVE;
    }

    function _checkQualificationExpiry(uint64 qualificationExpiresAt) private view {
        if (
            qualificationExpiresAt <= block.timestamp ||
            qualificationExpiresAt > block.timestamp + MAX_QUALIFICATION_LIFETIME
        ) {
            revert QualificationExpiryNotInFuture(qualificationExpiresAt, block.timestamp);
        }
    }

    function _registered(address account) private view returns (Account storage record) {
        record = _accounts[account];
        if (record.status == AccountStatus.NONE) revert AccountNotRegistered(account);
    }

    function _activeAttestor(bytes32 orgId) private view returns (address) {
        IConsortium.Organisation memory org = consortium.organisation(orgId);
        if (org.status != IConsortium.OrganisationStatus.ACTIVE) revert OrganisationNotActive(orgId);
        return org.attestor;
    }

    /// @dev A suspended organisation's attestor may still freeze or close its accounts (safety),
    /// but not unfreeze them.
    function _attestorForStatusChange(bytes32 orgId, StatusAction action) private view returns (address) {
        if (action == StatusAction.UNFREEZE) return _activeAttestor(orgId);
        IConsortium.Organisation memory org = consortium.organisation(orgId);
        return org.attestor;
    }

    function _nextStatus(
        address account,
        AccountStatus status,
        StatusAction action
    ) private pure returns (AccountStatus) {
        if (action == StatusAction.FREEZE && status == AccountStatus.ACTIVE) return AccountStatus.FROZEN;
        if (action == StatusAction.UNFREEZE && status == AccountStatus.FROZEN) return AccountStatus.ACTIVE;
        if (action == StatusAction.CLOSE && status != AccountStatus.CLOSED) return AccountStatus.CLOSED;
        if (action == StatusAction.NONE || uint8(action) > uint8(StatusAction.CLOSE)) revert InvalidStatusAction(action);
        revert InvalidStatusTransition(account, status, action);
    }
}
