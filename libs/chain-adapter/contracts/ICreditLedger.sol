// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

/// @title The credit ledger: credit accounts, credit lines and the bills that use them.
/// @notice The payment and settlement contracts change credit only through this surface, and only
/// with the roles the deploy script grants them. `used` lives here and nowhere else.
interface ICreditLedger {
    enum CreditAccountStatus {
        NONE,
        ACTIVE,
        FROZEN,
        CLOSED
    }

    enum CreditLineStatus {
        NONE,
        ACTIVE,
        SUSPENDED,
        CLOSED
    }

    enum BillStatus {
        NONE,
        UNSETTLED,
        IN_SETTLEMENT,
        SETTLED,
        REFUNDED
    }

    /// @notice Who signed an operation: the enterprise's key, the merchant's key, or the attestor
    /// of the enterprise's organisation.
    enum Party {
        NONE,
        ENTERPRISE,
        MERCHANT,
        ORGANISATION
    }

    struct CreditAccount {
        address enterprise;
        bytes3 currency;
        CreditAccountStatus status;
        Party frozenBy;
        uint32 openSettlements;
        uint256 ceiling;
        uint256 used;
    }

    struct CreditLine {
        bytes32 creditAccountId;
        address enterprise;
        CreditLineStatus status;
        uint32 termDays;
        /// @dev The line's number (from 1), what a bill's one storage slot names it by.
        uint32 number;
        uint64 expiresAt;
        address merchant;
        bytes3 currency;
        uint256 limit;
        uint256 used;
    }

    struct Bill {
        bytes32 lineId;
        uint256 amount;
        uint256 refunded;
        uint64 dueAt;
        BillStatus status;
        bytes32 settlementId;
    }

    function creditAccountOf(bytes32 creditAccountId) external view returns (CreditAccount memory);

    function creditLineOf(bytes32 lineId) external view returns (CreditLine memory);

    function billOf(bytes32 billId) external view returns (Bill memory);

    /// @notice Whether `operationId` is taken in the ledger's id space: a bill's id (a credit
    /// payment's operation id), or the id of any other operation of the ledger or of Payments.
    function operationRecorded(bytes32 operationId) external view returns (bool);

    /// @notice Takes `id` in the ledger's id space without a bill (payments role: a token
    /// payment's or refund's operation id); reverts `DuplicateOperation` if it is taken.
    function reserveId(bytes32 id) external;

    /// @notice Refunds part or all of an UNSETTLED bill and restores that much credit (payments role).
    function refund(bytes32 billId, uint256 amount) external returns (BillStatus status);

    /// @notice Moves UNSETTLED bills of one line into a settlement (settlements role).
    /// @return lineId The bills' line.
    /// @return total Σ (amount − refunded) of the bills.
    function beginSettlement(
        bytes32 settlementId,
        bytes32[] calldata billIds
    ) external returns (bytes32 lineId, uint256 total);

    /// @notice Confirmed: the bills become SETTLED and their credit is restored (settlements role).
    function completeSettlement(bytes32 settlementId, bytes32[] calldata billIds) external;

    /// @notice Rejected or cancelled: the bills go back to UNSETTLED (settlements role).
    function abandonSettlement(bytes32 settlementId, bytes32[] calldata billIds) external;
}
