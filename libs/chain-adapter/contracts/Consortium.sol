// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {IConsortium} from "./IConsortium.sol";

/// @title Consortium — the organisations (payment systems) that share one Tally chain.
/// @notice The operator admits, suspends and reinstates organisations. Each organisation has an
/// admin key, which alone rotates the organisation's keys and registers its relayers, and an
/// attestor key, which signs its consents in the other contracts. The operator can never re-key an
/// organisation or sign for it.
contract Consortium is IConsortium, AccessControl, EIP712 {
    bytes32 public constant OPERATOR_ROLE = keccak256("OPERATOR_ROLE");

    bytes32 public constant ROTATE_KEYS_TYPEHASH =
        keccak256("RotateKeys(bytes32 orgId,address newAdmin,address newAttestor,uint64 nonce,uint64 deadline)");
    bytes32 public constant ADD_RELAYER_TYPEHASH =
        keccak256("AddRelayer(bytes32 orgId,address relayer,uint64 nonce,uint64 deadline)");
    bytes32 public constant REMOVE_RELAYER_TYPEHASH =
        keccak256("RemoveRelayer(bytes32 orgId,address relayer,uint64 nonce,uint64 deadline)");

    mapping(bytes32 orgId => Organisation) private _organisations;
    mapping(address relayer => bytes32 orgId) private _relayerOrganisation;

    event OrganisationAdmitted(bytes32 indexed orgId, address admin, address attestor);
    event OrganisationSuspended(bytes32 indexed orgId);
    event OrganisationReinstated(bytes32 indexed orgId);
    event KeysRotated(bytes32 indexed orgId, address admin, address attestor);
    event RelayerAdded(bytes32 indexed orgId, address indexed relayer);
    event RelayerRemoved(bytes32 indexed orgId, address indexed relayer);

    error ZeroAddress();
    error InvalidOrganisationId(bytes32 orgId);
    error OrganisationExists(bytes32 orgId);
    error UnknownOrganisation(bytes32 orgId);
    error OrganisationNotActive(bytes32 orgId, OrganisationStatus status);
    error RelayerTaken(address relayer, bytes32 orgId);
    error RelayerNotOfOrganisation(address relayer, bytes32 orgId);
    error DeadlinePassed(uint64 deadline, uint256 blockTimestamp);
    error InvalidSignature(address expectedSigner, address recoveredSigner);

    /// @param operator The consortium operator's key (admits and suspends organisations).
    constructor(address operator) EIP712("Tally", "1") {
        if (operator == address(0)) revert ZeroAddress();
        _grantRole(DEFAULT_ADMIN_ROLE, operator);
        _grantRole(OPERATOR_ROLE, operator);
    }

    /// @notice Admits an organisation with its admin and attestor keys.
    /// @param orgId `bytes32` of the organisation's short code (non-zero).
    function admitOrganisation(bytes32 orgId, address admin, address attestor) external onlyRole(OPERATOR_ROLE) {
        if (orgId == bytes32(0)) revert InvalidOrganisationId(orgId);
        if (admin == address(0) || attestor == address(0)) revert ZeroAddress();
        if (_organisations[orgId].status != OrganisationStatus.NONE) revert OrganisationExists(orgId);
        _organisations[orgId] = Organisation(admin, attestor, OrganisationStatus.ACTIVE, 0);
        emit OrganisationAdmitted(orgId, admin, attestor);
    }

    /// @notice Suspends an active organisation: its relayers and attestor stop being accepted.
    function suspendOrganisation(bytes32 orgId) external onlyRole(OPERATOR_ROLE) {
        Organisation storage org = _organisations[orgId];
        if (org.status != OrganisationStatus.ACTIVE) revert OrganisationNotActive(orgId, org.status);
        org.status = OrganisationStatus.SUSPENDED;
        emit OrganisationSuspended(orgId);
    }

    /// @notice Reinstates a suspended organisation.
    function reinstateOrganisation(bytes32 orgId) external onlyRole(OPERATOR_ROLE) {
        Organisation storage org = _organisations[orgId];
        if (org.status != OrganisationStatus.SUSPENDED) revert OrganisationNotActive(orgId, org.status);
        org.status = OrganisationStatus.ACTIVE;
        emit OrganisationReinstated(orgId);
    }

    /// @notice Replaces the organisation's admin and attestor keys; signed by the current admin key.
    function rotateKeys(
        bytes32 orgId,
        address newAdmin,
        address newAttestor,
        uint64 deadline,
        bytes calldata adminSignature
    ) external {
        if (newAdmin == address(0) || newAttestor == address(0)) revert ZeroAddress();
        Organisation storage org = _knownOrganisation(orgId);
        _checkDeadline(deadline);
        _checkAdminSignature(
            org,
            keccak256(abi.encode(ROTATE_KEYS_TYPEHASH, orgId, newAdmin, newAttestor, org.nonce, deadline)),
            adminSignature
        );
        org.admin = newAdmin;
        org.attestor = newAttestor;
        emit KeysRotated(orgId, newAdmin, newAttestor);
    }

    /// @notice Registers a relayer (a service instance's key) for the organisation; signed by its admin key.
    function addRelayer(bytes32 orgId, address relayer, uint64 deadline, bytes calldata adminSignature) external {
        if (relayer == address(0)) revert ZeroAddress();
        Organisation storage org = _knownOrganisation(orgId);
        if (org.status != OrganisationStatus.ACTIVE) revert OrganisationNotActive(orgId, org.status);
        bytes32 current = _relayerOrganisation[relayer];
        if (current != bytes32(0)) revert RelayerTaken(relayer, current);
        _checkDeadline(deadline);
        _checkAdminSignature(
            org,
            keccak256(abi.encode(ADD_RELAYER_TYPEHASH, orgId, relayer, org.nonce, deadline)),
            adminSignature
        );
        _relayerOrganisation[relayer] = orgId;
        emit RelayerAdded(orgId, relayer);
    }

    /// @notice Removes one of the organisation's relayers; signed by its admin key.
    function removeRelayer(bytes32 orgId, address relayer, uint64 deadline, bytes calldata adminSignature) external {
        Organisation storage org = _knownOrganisation(orgId);
        if (_relayerOrganisation[relayer] != orgId) revert RelayerNotOfOrganisation(relayer, orgId);
        _checkDeadline(deadline);
        _checkAdminSignature(
            org,
            keccak256(abi.encode(REMOVE_RELAYER_TYPEHASH, orgId, relayer, org.nonce, deadline)),
            adminSignature
        );
        delete _relayerOrganisation[relayer];
        emit RelayerRemoved(orgId, relayer);
    }

    /// @inheritdoc IConsortium
    function isRelayer(address relayer) external view returns (bool) {
        bytes32 orgId = _relayerOrganisation[relayer];
        return orgId != bytes32(0) && _organisations[orgId].status == OrganisationStatus.ACTIVE;
    }

    /// @notice The organisation a relayer belongs to (zero when none).
    function relayerOrganisation(address relayer) external view returns (bytes32) {
        return _relayerOrganisation[relayer];
    }

    /// @inheritdoc IConsortium
    function organisation(bytes32 orgId) external view returns (Organisation memory) {
        return _organisations[orgId];
    }

    /// @inheritdoc IConsortium
    function activeAttestor(bytes32 orgId) external view returns (address) {
        Organisation storage org = _organisations[orgId];
        if (org.status != OrganisationStatus.ACTIVE) revert OrganisationNotActive(orgId, org.status);
        return org.attestor;
    }

    /// @notice The EIP-712 domain separator of this contract.
    function domainSeparator() external view returns (bytes32) {
        return _domainSeparatorV4();
    }

    function _knownOrganisation(bytes32 orgId) private view returns (Organisation storage org) {
        org = _organisations[orgId];
        if (org.status == OrganisationStatus.NONE) revert UnknownOrganisation(orgId);
    }

    function _checkDeadline(uint64 deadline) private view {
        if (block.timestamp > deadline) revert DeadlinePassed(deadline, block.timestamp);
    }

    /// @dev Verifies the admin's signature and consumes the organisation's nonce (no replay).
    function _checkAdminSignature(Organisation storage org, bytes32 structHash, bytes calldata signature) private {
        (address recovered, ECDSA.RecoverError recoverError, ) = ECDSA.tryRecoverCalldata(
            _hashTypedDataV4(structHash),
            signature
        );
        if (recoverError != ECDSA.RecoverError.NoError || recovered != org.admin) {
            revert InvalidSignature(org.admin, recovered);
        }
        org.nonce += 1;
    }
}
