// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {IAccountRegistry} from "./IAccountRegistry.sol";
import {IConsortium} from "./IConsortium.sol";
import {ICreditLedger} from "./ICreditLedger.sol";
import {RelayedOperations} from "./RelayedOperations.sol";
import {TallyToken} from "./TallyToken.sol";

/// @title Payments — S4: payments on credit and in tokens, and refunds, each signed by its payer.
/// @notice A credit payment is recorded only after the chain has verified the payer's signature,
/// both parties' identity, the credit line and both credit limits: CreditLedger draws the line and
/// records the bill (its id is the payment's id) or refuses. A token payment moves the payer's
/// tokens to a merchant that accepts their class. A refund, signed by the merchant, restores credit.
contract Payments is RelayedOperations {
    bytes32 public constant CREDIT_PAYMENT_TYPEHASH =
        keccak256("CreditPayment(bytes32 operationId,bytes32 lineId,address payee,uint256 amount,uint64 deadline)");
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

    struct CreditPayment {
        bytes32 operationId;
        bytes32 lineId;
        address payee;
        uint256 amount;
        uint64 deadline;
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

    error PayeeNotOnLine(bytes32 lineId, address payee, address merchant);
    error CreditLineNotFound(bytes32 lineId);
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

    /// @notice Pays on credit: the line's enterprise signs; the ledger checks both parties, the line
    /// (ACTIVE, unexpired, limit) and the credit account (ACTIVE, ceiling), then records the bill.
    /// @param payerSignature EIP-712 `CreditPayment` signature of the line's enterprise.
    function payOnCredit(CreditPayment calldata payment, bytes calldata payerSignature) external onlyRelayer {
        ICreditLedger.CreditLine memory line = ledger.creditLineOf(payment.lineId);
        if (line.status == ICreditLedger.CreditLineStatus.NONE) revert CreditLineNotFound(payment.lineId);
        if (payment.payee != line.merchant) revert PayeeNotOnLine(payment.lineId, payment.payee, line.merchant);
        _checkDeadline(payment.deadline);
        _checkSignature(
            keccak256(
                abi.encode(
                    CREDIT_PAYMENT_TYPEHASH,
                    payment.operationId,
                    payment.lineId,
                    payment.payee,
                    payment.amount,
                    payment.deadline
                )
            ),
            payerSignature,
            line.enterprise
        );
        _useOperation(payment.operationId);
        uint64 dueAt = ledger.draw(payment.lineId, payment.operationId, payment.amount);
        emit PaymentRecorded(
            payment.operationId,
            line.enterprise,
            payment.payee,
            PaymentKind.CREDIT,
            payment.lineId,
            0,
            payment.amount,
            dueAt
        );
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
}
