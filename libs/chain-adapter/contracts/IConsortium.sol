// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

/// @title The consortium of organisations that share one Tally chain.
/// @notice Other Tally contracts ask it who may submit (relayers) and who speaks for an
/// organisation (its attestor key).
interface IConsortium {
    enum OrganisationStatus {
        NONE,
        ACTIVE,
        SUSPENDED
    }

    struct Organisation {
        address admin;
        address attestor;
        OrganisationStatus status;
        uint64 nonce;
    }

    /// @notice True when `relayer` is registered by an active organisation.
    function isRelayer(address relayer) external view returns (bool);

    /// @notice The organisation's keys and status; status NONE when unknown.
    function organisation(bytes32 orgId) external view returns (Organisation memory);

    /// @notice The attestor key of an active organisation; reverts otherwise.
    function activeAttestor(bytes32 orgId) external view returns (address);
}
