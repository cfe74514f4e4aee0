// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {IConsortium} from "./IConsortium.sol";
import {ICreditLedger} from "./ICreditLedger.sol";
import {RelayedOperations} from "./RelayedOperations.sol";
import {TallyToken} from "./TallyToken.sol";

/// @title Settlements — S5: bills settled by tokens or by bank transfer, in step on chain.
/// @notice The enterprise signs a settlement of UNSETTLED bills of one line (the hash of their ids,
/// the total, the method); the bills go IN_SETTLEMENT and, for TOKEN, the tokens are locked in
/// escrow at once. The merchant signs confirm (bills SETTLED, credit restored, escrow released to
/// it) or reject (bills UNSETTLED, escrow returned). The enterprise may cancel before a decision;
/// after the response deadline anyone may, so a silent merchant never locks bills or tokens.
/// Freezes and lapsed qualifications never block any of this.
contract Settlements is RelayedOperations {
    /// @notice The longest a merchant may be given to answer.
    uint64 public constant MAX_RESPONSE_WINDOW = 90 days;

    bytes32 public constant SETTLEMENT_TYPEHASH =
        keccak256(
            "Settlement(bytes32 operationId,bytes32 lineId,bytes32 billsHash,uint256 total,uint8 method,uint256 tokenId,bytes32 bankReferenceHash,uint64 responseDeadline,uint64 deadline)"
        );
    bytes32 public constant SETTLEMENT_DECISION_TYPEHASH =
        keccak256(
            "SettlementDecision(bytes32 operationId,bytes32 settlementId,uint8 outcome,uint16 reasonCode,uint64 deadline)"
        );
    bytes32 public constant SETTLEMENT_CANCELLATION_TYPEHASH =
        keccak256("SettlementCancellation(bytes32 operationId,bytes32 settlementId,uint64 deadline)");
    bytes32 public constant CLEARING_ANCHOR_TYPEHASH =
        keccak256(
            "ClearingAnchor(bytes32 operationId,bytes32 root,uint64 periodStart,uint64 periodEnd,uint32 settlementCount,uint64 deadline)"
        );
    /// @notice The Consortium role whose holder signs clearing anchors.
    bytes32 public constant OPERATOR_ROLE = keccak256("OPERATOR_ROLE");
    /// @notice Bounds of a clearing report: periods end before 2^40 s, at most this many settlements.
    uint64 public constant MAX_PERIOD_END = 2 ** 40;
    uint32 public constant MAX_CLEARING_SETTLEMENTS = 10_000;

    enum Method {
        NONE,
        TOKEN,
        OFFCHAIN
    }

    enum SettlementStatus {
        NONE,
        INITIATED,
        CONFIRMED,
        REJECTED,
        CANCELLED
    }

    enum DecisionOutcome {
        NONE,
        CONFIRM,
        REJECT
    }

    struct SettlementOrder {
        bytes32 operationId;
        bytes32 lineId;
        bytes32 billsHash;
        uint256 total;
        Method method;
        uint256 tokenId;
        bytes32 bankReferenceHash;
        uint64 responseDeadline;
        uint64 deadline;
    }

    struct SettlementDecision {
        bytes32 operationId;
        bytes32 settlementId;
        DecisionOutcome outcome;
        uint16 reasonCode;
        uint64 deadline;
    }

    struct SettlementCancellation {
        bytes32 operationId;
        bytes32 settlementId;
        uint64 deadline;
    }

    struct ClearingAnchor {
        bytes32 operationId;
        bytes32 root;
        uint64 periodStart;
        uint64 periodEnd;
        uint32 settlementCount;
        uint64 deadline;
    }

    struct Settlement {
        bytes32 lineId;
        bytes32 billsHash;
        address enterprise;
        SettlementStatus status;
        Method method;
        uint64 responseDeadline;
        address merchant;
        uint256 tokenId;
        uint256 total;
    }

    ICreditLedger public immutable ledger;
    TallyToken public immutable token;

    mapping(bytes32 settlementId => Settlement) private _settlements;
    mapping(bytes32 root => uint256 blockNumber) private _clearingRoots;

    event SettlementInitiated(
        bytes32 indexed operationId,
        bytes32 indexed lineId,
        address indexed enterprise,
        address merchant,
        Method method,
        uint256 tokenId,
        bytes32 bankReferenceHash,
        uint256 total,
        uint64 responseDeadline,
        bytes32[] billIds
    );
    event SettlementConfirmed(bytes32 indexed operationId, bytes32 indexed settlementId);
    event SettlementRejected(bytes32 indexed operationId, bytes32 indexed settlementId, uint16 reasonCode);
    event SettlementCancelled(bytes32 indexed operationId, bytes32 indexed settlementId, bool afterDeadline);
    event ClearingRootAnchored(
        bytes32 indexed operationId,
        bytes32 indexed root,
        uint64 periodStart,
        uint64 periodEnd,
        uint32 settlementCount
    );

    error CreditLineNotFound(bytes32 lineId);
    error BillsHashMismatch(bytes32 expected, bytes32 actual);
    error TotalMismatch(uint256 signedTotal, uint256 billsTotal);
    error InvalidMethod(Method method);
    error BankReferenceRequired();
    error CurrencyMismatch(uint256 tokenId, bytes3 tokenCurrency, bytes3 lineCurrency);
    error TokenClassNotAccepted(address merchant, uint256 tokenId);
    error ResponseDeadlineOutOfRange(uint64 responseDeadline, uint256 blockTimestamp, uint64 maximumWindow);
    error SettlementNotFound(bytes32 settlementId);
    error SettlementNotOpen(bytes32 settlementId, SettlementStatus status);
    error ResponseWindowClosed(bytes32 settlementId, uint64 responseDeadline, uint256 blockTimestamp);
    error InvalidDecision(DecisionOutcome outcome);
    error InvalidPeriod(uint64 periodStart, uint64 periodEnd);
    error ClearingRootExists(bytes32 root);
    error InvalidSettlementCount(uint32 settlementCount, uint32 maximum);
    error NotOperator(address signer);
    /// @dev Same selector as the ledger's error of that name.
    error BillsOfDifferentLines(bytes32 lineId, bytes32 otherLineId);

    constructor(IConsortium consortium_, ICreditLedger ledger_, TallyToken token_) RelayedOperations(consortium_) {
        ledger = ledger_;
        token = token_;
    }

    /// @notice The enterprise starts a settlement of bills of one of its lines.
    /// @param billIds The bills (at most the ledger's maximum); their keccak256 is `order.billsHash`.
    /// @param enterpriseSignature EIP-712 `Settlement` signature of the line's enterprise.
    function initiate(
        SettlementOrder calldata order,
        bytes32[] calldata billIds,
        bytes calldata enterpriseSignature
    ) external onlyRelayer {
        ICreditLedger.CreditLine memory line = ledger.creditLineOf(order.lineId);
        if (line.status == ICreditLedger.CreditLineStatus.NONE) revert CreditLineNotFound(order.lineId);
        bytes32 billsHash = keccak256(abi.encodePacked(billIds));
        if (billsHash != order.billsHash) revert BillsHashMismatch(order.billsHash, billsHash);
        if (
            order.responseDeadline <= block.timestamp ||
            order.responseDeadline > block.timestamp + MAX_RESPONSE_WINDOW
        ) {
            revert ResponseDeadlineOutOfRange(order.responseDeadline, block.timestamp, MAX_RESPONSE_WINDOW);
        }
        if (order.method == Method.TOKEN) {
            bytes3 tokenCurrency = token.tokenClassOf(order.tokenId).currency;
            if (tokenCurrency != line.currency) revert CurrencyMismatch(order.tokenId, tokenCurrency, line.currency);
            if (!token.accepts(line.merchant, order.tokenId)) revert TokenClassNotAccepted(line.merchant, order.tokenId);
        } else if (order.method == Method.OFFCHAIN) {
            if (order.bankReferenceHash == bytes32(0)) revert BankReferenceRequired();
        } else {
            revert InvalidMethod(order.method);
        }
        _checkDeadline(order.deadline);
        _checkSignature(_orderHash(order), enterpriseSignature, line.enterprise);
        _useOperation(order.operationId);

        (bytes32 billsLine, uint256 total) = ledger.beginSettlement(order.operationId, billIds);
        if (billsLine != order.lineId) revert BillsOfDifferentLines(order.lineId, billsLine);
        if (total != order.total) revert TotalMismatch(order.total, total);
        if (order.method == Method.TOKEN) token.lockEscrow(order.operationId, order.tokenId, line.enterprise, total);

        _record(order, billIds, line, billsHash, total);
    }

    /// @notice The merchant confirms (bills SETTLED, credit restored, escrow released to it) or
    /// rejects (bills UNSETTLED, escrow returned), before the response deadline.
    /// @param merchantSignature EIP-712 `SettlementDecision` signature of the line's merchant.
    function decide(
        SettlementDecision calldata decision,
        bytes32[] calldata billIds,
        bytes calldata merchantSignature
    ) external onlyRelayer {
        Settlement storage settlement = _openSettlement(decision.settlementId, billIds);
        if (block.timestamp > settlement.responseDeadline) {
            revert ResponseWindowClosed(decision.settlementId, settlement.responseDeadline, block.timestamp);
        }
        if (decision.outcome != DecisionOutcome.CONFIRM && decision.outcome != DecisionOutcome.REJECT) {
            revert InvalidDecision(decision.outcome);
        }
        _checkDeadline(decision.deadline);
        _checkSignature(
            keccak256(
                abi.encode(
                    SETTLEMENT_DECISION_TYPEHASH,
                    decision.operationId,
                    decision.settlementId,
                    decision.outcome,
                    decision.reasonCode,
                    decision.deadline
                )
            ),
            merchantSignature,
            settlement.merchant
        );
        _useOperation(decision.operationId);

        if (decision.outcome == DecisionOutcome.CONFIRM) {
            settlement.status = SettlementStatus.CONFIRMED;
            ledger.completeSettlement(decision.settlementId, billIds);
            if (settlement.method == Method.TOKEN) token.releaseEscrow(decision.settlementId, settlement.merchant);
            emit SettlementConfirmed(decision.operationId, decision.settlementId);
        } else {
            settlement.status = SettlementStatus.REJECTED;
            ledger.abandonSettlement(decision.settlementId, billIds);
            if (settlement.method == Method.TOKEN) token.returnEscrow(decision.settlementId);
            emit SettlementRejected(decision.operationId, decision.settlementId, decision.reasonCode);
        }
    }

    /// @notice Cancels an open settlement: the enterprise before the response deadline (its
    /// signature), anyone after it (no signature needed). Bills go back UNSETTLED, escrow returns.
    function cancel(
        SettlementCancellation calldata cancellation,
        bytes32[] calldata billIds,
        bytes calldata enterpriseSignature
    ) external onlyRelayer {
        Settlement storage settlement = _openSettlement(cancellation.settlementId, billIds);
        bool afterDeadline = block.timestamp > settlement.responseDeadline;
        if (!afterDeadline) {
            _checkDeadline(cancellation.deadline);
            _checkSignature(
                keccak256(
                    abi.encode(
                        SETTLEMENT_CANCELLATION_TYPEHASH,
                        cancellation.operationId,
                        cancellation.settlementId,
                        cancellation.deadline
                    )
                ),
                enterpriseSignature,
                settlement.enterprise
            );
        }
        _useOperation(cancellation.operationId);
        settlement.status = SettlementStatus.CANCELLED;
        ledger.abandonSettlement(cancellation.settlementId, billIds);
        if (settlement.method == Method.TOKEN) token.returnEscrow(cancellation.settlementId);
        emit SettlementCancelled(cancellation.operationId, cancellation.settlementId, afterDeadline);
    }

    /// @notice Anchors the Merkle root of a clearing report (the settlements between organisations
    /// of a period), so any organisation can verify its own figures against the chain.
    /// @dev Signed by the consortium operator; a root is anchored once.
    /// @param operatorSignature EIP-712 `ClearingAnchor` signature of a holder of Consortium's OPERATOR_ROLE.
    function anchorClearingRoot(ClearingAnchor calldata anchor, bytes calldata operatorSignature) external onlyRelayer {
        if (anchor.periodEnd <= anchor.periodStart || anchor.periodEnd > MAX_PERIOD_END) {
            revert InvalidPeriod(anchor.periodStart, anchor.periodEnd);
        }
        if (anchor.settlementCount == 0 || anchor.settlementCount > MAX_CLEARING_SETTLEMENTS) {
            revert InvalidSettlementCount(anchor.settlementCount, MAX_CLEARING_SETTLEMENTS);
        }
        if (_clearingRoots[anchor.root] != 0) revert ClearingRootExists(anchor.root);
        _checkDeadline(anchor.deadline);
        bytes32 digest = _hashTypedDataV4(
            keccak256(
                abi.encode(
                    CLEARING_ANCHOR_TYPEHASH,
                    anchor.operationId,
                    anchor.root,
                    anchor.periodStart,
                    anchor.periodEnd,
                    anchor.settlementCount,
                    anchor.deadline
                )
            )
        );
        (address signer, ECDSA.RecoverError recoverError, ) = ECDSA.tryRecoverCalldata(digest, operatorSignature);
        if (recoverError != ECDSA.RecoverError.NoError || !IAccessControl(address(consortium)).hasRole(OPERATOR_ROLE, signer)) {
            revert NotOperator(signer);
        }
        _useOperation(anchor.operationId);
        _clearingRoots[anchor.root] = block.number;
        emit ClearingRootAnchored(anchor.operationId, anchor.root, anchor.periodStart, anchor.periodEnd, anchor.settlementCount);
    }

    /// @notice Whether `leaf` (a double-hashed clearing entry) is in an anchored report.
    function verifyClearingEntry(bytes32 root, bytes32[] calldata proof, bytes32 leaf) external view returns (bool) {
        return _clearingRoots[root] != 0 && MerkleProof.verifyCalldata(proof, root, leaf);
    }

    function settlementOf(bytes32 settlementId) external view returns (Settlement memory) {
        return _settlements[settlementId];
    }

    function clearingRootBlock(bytes32 root) external view returns (uint256) {
        return _clearingRoots[root];
    }

    function _record(
        SettlementOrder calldata order,
        bytes32[] calldata billIds,
        ICreditLedger.CreditLine memory line,
        bytes32 billsHash,
        uint256 total
    ) private {
        uint256 tokenId = order.method == Method.TOKEN ? order.tokenId : 0;
        _settlements[order.operationId] = Settlement({
            lineId: order.lineId,
            billsHash: billsHash,
            enterprise: line.enterprise,
            status: SettlementStatus.INITIATED,
            method: order.method,
            responseDeadline: order.responseDeadline,
            merchant: line.merchant,
            tokenId: tokenId,
            total: total
        });
        emit SettlementInitiated(
            order.operationId,
            order.lineId,
            line.enterprise,
            line.merchant,
            order.method,
            tokenId,
            order.bankReferenceHash,
            total,
            order.responseDeadline,
            billIds
        );
    }

    function _openSettlement(bytes32 settlementId, bytes32[] calldata billIds) private view returns (Settlement storage settlement) {
        settlement = _settlements[settlementId];
        if (settlement.status == SettlementStatus.NONE) revert SettlementNotFound(settlementId);
        if (settlement.status != SettlementStatus.INITIATED) revert SettlementNotOpen(settlementId, settlement.status);
        bytes32 billsHash = keccak256(abi.encodePacked(billIds));
        if (billsHash != settlement.billsHash) revert BillsHashMismatch(settlement.billsHash, billsHash);
    }

    function _orderHash(SettlementOrder calldata order) private pure returns (bytes32) {
        return
            keccak256(
                abi.encode(
                    SETTLEMENT_TYPEHASH,
                    order.operationId,
                    order.lineId,
                    order.billsHash,
                    order.total,
                    order.method,
                    order.tokenId,
                    order.bankReferenceHash,
                    order.responseDeadline,
                    order.deadline
                )
            );
    }
}
