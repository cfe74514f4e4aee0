// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {IAccountRegistry} from "./IAccountRegistry.sol";
import {IConsortium} from "./IConsortium.sol";
import {ICreditLedger} from "./ICreditLedger.sol";
import {RelayedOperations} from "./RelayedOperations.sol";
import {TallyToken} from "./TallyToken.sol";

/// @title Payments — S4: payments in tokens, and refunds of payments on credit, each signed.
/// @notice A token payment moves the payer's tokens to a merchant that accepts their class. A
/// refund, signed by the merchant, restores credit. Payments on credit are verified and recorded
/// by CreditLedger itself (`payOnCredit`: no call between contracts on the hot path). All of
/// them share one id space, the ledger's, so an operation id is used once across both contracts.
contract Payments is RelayedOperations {
    bytes32 public constant TOKEN_PAYMENT_TYPEHASH =
        keccak256(
            "TokenPayment(bytes32 operationId,address payer,address payee,uint256 tokenId,uint256 amount,uint64 deadline)"
        );
    bytes32 public constant REFUND_TYPEHASH =
        keccak256("Refund(bytes32 operationId,bytes32 paymentId,uint256 amount,uint64 deadline)");

    enum PaymentKind {
        NONE,
        CREDIT,
        TOKEN
    }

    struct TokenPayment {
        bytes32 operationId;
        address payer;
        address payee;
        uint256 tokenId;
        uint256 amount;
        uint64 deadline;
    }

    struct Refund {
        bytes32 operationId;
        bytes32 paymentId;
        uint256 amount;
        uint64 deadline;
    }

    IAccountRegistry public immutable registry;
    ICreditLedger public immutable ledger;
    TallyToken public immutable token;

    /// @notice A token payment (kind TOKEN; a payment on credit is CreditLedger's `BillRecorded`).
    event PaymentRecorded(
        bytes32 indexed operationId,
        address indexed payer,
        address indexed payee,
        PaymentKind kind,
        bytes32 lineId,
        uint256 tokenId,
        uint256 amount,
        uint64 dueAt
    );
    event RefundRecorded(
        bytes32 indexed operationId,
        bytes32 indexed paymentId,
        uint256 amount,
        ICreditLedger.BillStatus billStatus
    );

    error BillNotFound(bytes32 billId);
    error InvalidAmount(uint256 amount);

    constructor(
        IConsortium consortium_,
        IAccountRegistry registry_,
        ICreditLedger ledger_,
        TallyToken token_
    ) RelayedOperations(consortium_) {
        registry = registry_;
        ledger = ledger_;
        token = token_;
    }

    /// @notice Pays in tokens: the payer's tokens move to the payee at once.
    /// @dev The payer must be usable (a freeze or lapse blocks outgoing payments), the payee usable
    /// and accepting the class.
    /// @param payerSignature EIP-712 `TokenPayment` signature of the payer.
    function payWithTokens(TokenPayment calldata payment, bytes calldata payerSignature) external onlyRelayer {
        if (payment.amount == 0) revert InvalidAmount(payment.amount);
        registry.requireUsable(payment.payer);
        registry.requireUsable(payment.payee);
        _checkDeadline(payment.deadline);
        _checkSignature(
            keccak256(
                abi.encode(
                    TOKEN_PAYMENT_TYPEHASH,
                    payment.operationId,
                    payment.payer,
                    payment.payee,
                    payment.tokenId,
                    payment.amount,
                    payment.deadline
                )
            ),
            payerSignature,
            payment.payer
        );
        _useOperation(payment.operationId);
        token.paymentTransfer(payment.payer, payment.payee, payment.tokenId, payment.amount);
        emit PaymentRecorded(
            payment.operationId,
            payment.payer,
            payment.payee,
            PaymentKind.TOKEN,
            bytes32(0),
            payment.tokenId,
            payment.amount,
            0
        );
    }

    /// @notice Refunds part or all of an UNSETTLED credit payment; the merchant signs. The credit
    /// comes back to the line and the account; a bill refunded in full becomes REFUNDED.
    /// @param merchantSignature EIP-712 `Refund` signature of the line's merchant.
    function refund(Refund calldata order, bytes calldata merchantSignature) external onlyRelayer {
        ICreditLedger.Bill memory bill = ledger.billOf(order.paymentId);
        if (bill.status == ICreditLedger.BillStatus.NONE) revert BillNotFound(order.paymentId);
        ICreditLedger.CreditLine memory line = ledger.creditLineOf(bill.lineId);
        _checkDeadline(order.deadline);
        _checkSignature(
            keccak256(abi.encode(REFUND_TYPEHASH, order.operationId, order.paymentId, order.amount, order.deadline)),
            merchantSignature,
            line.merchant
        );
        _useOperation(order.operationId);
        ICreditLedger.BillStatus status = ledger.refund(order.paymentId, order.amount);
        emit RefundRecorded(order.operationId, order.paymentId, order.amount, status);
    }

    /// @notice Whether an operation id has been recorded: a token payment or refund, or a credit
    /// payment (whose record is its bill).
    function operationRecorded(bytes32 operationId) public view override returns (bool) {
        return ledger.operationRecorded(operationId);
    }

    /// @dev One id space for every operation of this contract, kept by the ledger: a credit
    /// payment takes its id as its bill's, a token payment or refund reserves it.
    function _useOperation(bytes32 operationId) internal override {
        ledger.reserveId(operationId);
    }
}
