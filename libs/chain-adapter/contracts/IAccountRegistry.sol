// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

/// @title The registry of Tally accounts (enterprises and merchants) and their qualifications.
interface IAccountRegistry {
    enum AccountKind {
        NONE,
        ENTERPRISE,
        MERCHANT
    }

    enum AccountStatus {
        NONE,
        ACTIVE,
        FROZEN,
        CLOSED
    }

    struct Account {
        bytes32 orgId;
        AccountKind kind;
        AccountStatus status;
        uint64 qualificationExpiresAt;
        bytes32 certificateHash;
    }

    /// @notice The account's record; status NONE when unregistered.
    function accountOf(address account) external view returns (Account memory);

    /// @notice Reverts unless the account is registered, ACTIVE, its qualification unexpired and its
    /// organisation active: the gate of every new credit use and outgoing payment.
    function requireUsable(address account) external view returns (Account memory);

    /// @notice Whether `requireUsable` would pass.
    function isUsable(address account) external view returns (bool);
}
