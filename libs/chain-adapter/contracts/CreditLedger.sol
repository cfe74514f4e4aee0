// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {IAccountRegistry} from "./IAccountRegistry.sol";
import {IConsortium} from "./IConsortium.sol";
import {ICreditLedger} from "./ICreditLedger.sol";
import {RelayedOperations} from "./RelayedOperations.sol";

/// @title CreditLedger — S3: credit accounts, credit applications, credit lines, and bills.
/// @notice Per enterprise and currency a credit account caps all the enterprise's credit use (its
/// ceiling, set by the attestor of the enterprise's organisation). An enterprise applies to a
/// merchant for credit; the merchant's signed approval opens a credit line whose id is the
/// application's id. Every payment on credit is verified and recorded here: it draws a line and
/// its record is a bill (one storage slot) and a `BillRecorded` event; settlements and refunds
/// restore the credit. `used` lives here and nowhere else: the payment and settlement contracts
/// change it only through the roles the deploy script grants them.
contract CreditLedger is ICreditLedger, RelayedOperations, AccessControl {
    bytes32 public constant PAYMENTS_ROLE = keccak256("PAYMENTS_ROLE");
    bytes32 public constant SETTLEMENTS_ROLE = keccak256("SETTLEMENTS_ROLE");

    /// @notice The longest payment term a line may have.
    uint32 public constant MAX_TERM_DAYS = 3650;
    /// @notice The most bills one settlement may carry (bounds every settlement loop).
    uint256 public constant MAX_BILLS_PER_SETTLEMENT = 100;
    /// @notice The longest a line may run from its application.
    uint64 public constant MAX_LINE_LIFETIME = 100 * 365 days;

    bytes32 public constant CREDIT_CEILING_TYPEHASH =
        keccak256(
            "CreditCeiling(bytes32 operationId,address enterprise,bytes3 currency,uint256 ceiling,uint64 deadline)"
        );
    bytes32 public constant CREDIT_ACCOUNT_CHANGE_TYPEHASH =
        keccak256(
            "CreditAccountChange(bytes32 operationId,bytes32 creditAccountId,uint8 action,uint8 actor,uint64 deadline)"
        );
    bytes32 public constant CREDIT_APPLICATION_TYPEHASH =
        keccak256(
            "CreditApplication(bytes32 operationId,address enterprise,address merchant,bytes3 currency,uint256 requestedLimit,uint32 termDays,uint64 expiresAt,bytes32 referenceHash,uint64 deadline)"
        );
    bytes32 public constant CREDIT_DECISION_TYPEHASH =
        keccak256(
            "CreditDecision(bytes32 operationId,bytes32 applicationId,uint8 outcome,uint256 limit,uint16 reasonCode,uint64 deadline)"
        );
    bytes32 public constant CREDIT_APPLICATION_WITHDRAWAL_TYPEHASH =
        keccak256("CreditApplicationWithdrawal(bytes32 operationId,bytes32 applicationId,uint64 deadline)");
    bytes32 public constant CREDIT_PAYMENT_TYPEHASH =
        keccak256("CreditPayment(bytes32 operationId,bytes32 lineId,address payee,uint256 amount,uint64 deadline)");
    bytes32 public constant CREDIT_LINE_CHANGE_TYPEHASH =
        keccak256(
            "CreditLineChange(bytes32 operationId,bytes32 lineId,uint8 action,uint8 actor,uint256 limit,uint64 deadline)"
        );

    enum ApplicationStatus {
        NONE,
        SUBMITTED,
        APPROVED,
        REJECTED,
        WITHDRAWN
    }

    /// @notice Credit account operations.
    enum CreditAccountAction {
        NONE,
        FREEZE,
        UNFREEZE,
        CLOSE
    }

    /// @notice Credit line operations.
    enum CreditLineAction {
        NONE,
        ADJUST_LIMIT,
        SUSPEND,
        RESUME,
        CLOSE
    }

    /// @notice The merchant's answer to an application.
    enum DecisionOutcome {
        NONE,
        APPROVE,
        REJECT
    }

    struct CreditCeiling {
        bytes32 operationId;
        address enterprise;
        bytes3 currency;
        uint256 ceiling;
        uint64 deadline;
    }

    struct CreditAccountChange {
        bytes32 operationId;
        bytes32 creditAccountId;
        CreditAccountAction action;
        Party actor;
        uint64 deadline;
    }

    struct CreditApplication {
        bytes32 operationId;
        address enterprise;
        address merchant;
        bytes3 currency;
        uint256 requestedLimit;
        uint32 termDays;
        uint64 expiresAt;
        bytes32 referenceHash;
        uint64 deadline;
    }

    struct CreditDecision {
        bytes32 operationId;
        bytes32 applicationId;
        DecisionOutcome outcome;
        uint256 limit;
        uint16 reasonCode;
        uint64 deadline;
    }

    struct CreditApplicationWithdrawal {
        bytes32 operationId;
        bytes32 applicationId;
        uint64 deadline;
    }

    struct CreditLineChange {
        bytes32 operationId;
        bytes32 lineId;
        CreditLineAction action;
        Party actor;
        uint256 limit;
        uint64 deadline;
    }

    /// @notice An application as recorded; `expiresAt` is the expiry of the line it asks for.
    struct CreditPayment {
        bytes32 operationId;
        bytes32 lineId;
        address payee;
        uint256 amount;
        uint64 deadline;
    }

    struct Application {
        address enterprise;
        ApplicationStatus status;
        uint32 termDays;
        uint64 expiresAt;
        address merchant;
        bytes3 currency;
        uint256 requestedLimit;
    }

    IAccountRegistry public immutable registry;

    mapping(bytes32 creditAccountId => CreditAccount) private _creditAccounts;
    mapping(bytes32 applicationId => Application) private _applications;
    mapping(bytes32 lineId => CreditLine) private _lines;
    /// @dev A bill as a payment writes it: one storage slot, so a payment costs one new slot.
    /// The line is named by its number (from 1); what only some bills have lives in the maps
    /// below. The map is also the payments' id space: an id reserved without a bill (a token
    /// payment's or refund's operation id) has `lineNumber == RESERVED_ID` and status NONE.
    struct StoredBill {
        uint32 lineNumber;
        uint128 amount;
        uint40 dueAt;
        BillStatus status;
    }

    mapping(bytes32 billId => StoredBill) private _bills;
    mapping(bytes32 billId => uint256) private _billRefunded;
    mapping(bytes32 billId => bytes32) private _billSettlement;
    mapping(uint32 lineNumber => bytes32) private _lineIds;
    uint32 private _lineCount;
    uint32 private constant RESERVED_ID = type(uint32).max;
    /// @dev Seed of the transient slots that remember lines whose parties were found usable in a
    /// batch scope.
    bytes32 private constant USABLE_IN_SCOPE = keccak256("Tally.CreditLedger.usableInScope");

    event CreditCeilingSet(
        bytes32 indexed operationId,
        bytes32 indexed creditAccountId,
        address indexed enterprise,
        bytes3 currency,
        uint256 ceiling
    );
    event CreditAccountFrozen(bytes32 indexed operationId, bytes32 indexed creditAccountId, Party actor);
    event CreditAccountUnfrozen(bytes32 indexed operationId, bytes32 indexed creditAccountId, Party actor);
    event CreditAccountClosed(bytes32 indexed operationId, bytes32 indexed creditAccountId, Party actor);
    event CreditApplicationSubmitted(
        bytes32 indexed operationId,
        address indexed enterprise,
        address indexed merchant,
        bytes3 currency,
        uint256 requestedLimit,
        uint32 termDays,
        uint64 expiresAt,
        bytes32 referenceHash
    );
    event CreditApplicationApproved(bytes32 indexed operationId, bytes32 indexed applicationId, uint256 limit);
    event CreditApplicationRejected(bytes32 indexed operationId, bytes32 indexed applicationId, uint16 reasonCode);
    event CreditApplicationWithdrawn(bytes32 indexed operationId, bytes32 indexed applicationId);
    event CreditLineOpened(
        bytes32 indexed lineId,
        bytes32 indexed creditAccountId,
        address indexed merchant,
        address enterprise,
        bytes3 currency,
        uint256 limit,
        uint32 termDays,
        uint64 expiresAt
    );
    event CreditLineLimitChanged(bytes32 indexed operationId, bytes32 indexed lineId, uint256 limit);
    event CreditLineSuspended(bytes32 indexed operationId, bytes32 indexed lineId);
    event CreditLineResumed(bytes32 indexed operationId, bytes32 indexed lineId);
    event CreditLineClosed(bytes32 indexed operationId, bytes32 indexed lineId, Party actor);
    /// @notice A credit payment's record: its bill (id = the payment's operation id) on a line,
    /// payer the line's enterprise, payee its merchant. The line's and its account's use grow by
    /// `amount` (kept out of the event: every word of a payment's one event costs gas).
    event BillRecorded(bytes32 indexed billId, bytes32 indexed lineId, uint256 amount, uint64 dueAt);
    event BillRefunded(
        bytes32 indexed billId,
        bytes32 indexed lineId,
        uint256 amount,
        uint256 refunded,
        uint256 lineUsed,
        uint256 accountUsed
    );
    event BillStatusChanged(
        bytes32 indexed billId,
        bytes32 indexed lineId,
        BillStatus status,
        bytes32 settlementId,
        uint256 lineUsed,
        uint256 accountUsed
    );

    error InvalidCurrency(bytes3 currency);
    error InvalidAmount(uint256 amount);
    error InvalidTerm(uint32 termDays, uint32 maximum);
    error InvalidParty(Party actor);
    error PartyNotAllowed(Party actor, uint8 action);
    error ExpiryNotInFuture(uint64 expiresAt, uint256 blockTimestamp);
    error ExpiryTooFar(uint64 expiresAt, uint256 latest);
    error NotAnEnterprise(address account);
    error NotAMerchant(address account);
    error AccountClosed(address account);
    error CreditAccountNotFound(bytes32 creditAccountId);
    error CreditAccountNotActive(bytes32 creditAccountId, CreditAccountStatus status);
    error InvalidCreditAccountTransition(bytes32 creditAccountId, CreditAccountStatus status, CreditAccountAction action);
    error FrozenByOtherParty(bytes32 creditAccountId, Party frozenBy, Party actor);
    error CeilingBelowUsed(bytes32 creditAccountId, uint256 ceiling, uint256 used);
    error CreditInUse(bytes32 id, uint256 used);
    error OpenSettlements(bytes32 creditAccountId, uint32 openSettlements);
    error ApplicationNotFound(bytes32 applicationId);
    error ApplicationNotPending(bytes32 applicationId, ApplicationStatus status);
    error ApplicationExpired(bytes32 applicationId, uint64 expiresAt, uint256 blockTimestamp);
    error InvalidDecision(DecisionOutcome outcome);
    error LimitAboveRequested(uint256 limit, uint256 requestedLimit);
    error CreditLineNotFound(bytes32 lineId);
    error InvalidCreditLineTransition(bytes32 lineId, CreditLineStatus status, CreditLineAction action);
    error LimitBelowUsed(bytes32 lineId, uint256 limit, uint256 used);
    error CreditLineNotActive(bytes32 lineId, CreditLineStatus status);
    error CreditLineExpired(bytes32 lineId, uint64 expiresAt, uint256 blockTimestamp);
    error CreditLimitExceeded(bytes32 lineId, uint256 limit, uint256 used, uint256 amount);
    error CreditCeilingExceeded(bytes32 creditAccountId, uint256 ceiling, uint256 used, uint256 amount);
    error PayeeNotOnLine(bytes32 lineId, address payee, address merchant);
    error BatchShapeMismatch(uint256 payments, uint256 rs, uint256 yParityAndSs);
    error BillNotFound(bytes32 billId);
    error BillNotUnsettled(bytes32 billId, BillStatus status);
    error BillNotInSettlement(bytes32 billId, bytes32 settlementId);
    error RefundExceedsOutstanding(bytes32 billId, uint256 outstanding, uint256 amount);
    error BillCountOutOfRange(uint256 count, uint256 maximum);
    error BillsOfDifferentLines(bytes32 lineId, bytes32 otherLineId);

    /// @param admin Grants the payments and settlements roles (the deployer, then renounced or kept by ops).
    constructor(
        IConsortium consortium_,
        IAccountRegistry registry_,
        address admin
    ) RelayedOperations(consortium_) {
        registry = registry_;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
    }

    // ---------------------------------------------------------------- credit accounts

    /// @notice Opens the enterprise's credit account of a currency with a ceiling, or changes the
    /// ceiling; signed by the attestor of the enterprise's organisation. Never below `used`.
    /// @param change The ceiling, as signed.
    /// @param attestorSignature EIP-712 `CreditCeiling` signature of the attestor.
    function setCeiling(CreditCeiling calldata change, bytes calldata attestorSignature) external onlyRelayer {
        _checkCurrency(change.currency);
        IAccountRegistry.Account memory enterprise = registry.accountOf(change.enterprise);
        if (enterprise.kind != IAccountRegistry.AccountKind.ENTERPRISE) revert NotAnEnterprise(change.enterprise);
        if (enterprise.status == IAccountRegistry.AccountStatus.CLOSED) revert AccountClosed(change.enterprise);
        bytes32 creditAccountId = creditAccountIdOf(change.enterprise, change.currency);
        CreditAccount storage account = _creditAccounts[creditAccountId];
        if (account.status == CreditAccountStatus.CLOSED) {
            revert CreditAccountNotActive(creditAccountId, account.status);
        }
        if (change.ceiling < account.used) revert CeilingBelowUsed(creditAccountId, change.ceiling, account.used);
        _checkDeadline(change.deadline);
        _checkSignature(
            keccak256(
                abi.encode(
                    CREDIT_CEILING_TYPEHASH,
                    change.operationId,
                    change.enterprise,
                    change.currency,
                    change.ceiling,
                    change.deadline
                )
            ),
            attestorSignature,
            consortium.activeAttestor(enterprise.orgId)
        );
        _useOperation(change.operationId);

        if (account.status == CreditAccountStatus.NONE) {
            account.enterprise = change.enterprise;
            account.currency = change.currency;
            account.status = CreditAccountStatus.ACTIVE;
        }
        account.ceiling = change.ceiling;
        emit CreditCeilingSet(change.operationId, creditAccountId, change.enterprise, change.currency, change.ceiling);
    }

    /// @notice Freezes, unfreezes or closes a credit account. The enterprise or its organisation's
    /// attestor freezes; only the party that froze unfreezes; close needs `used = 0` and no open
    /// settlement.
    /// @param signature EIP-712 `CreditAccountChange` signature of the party named by `actor`.
    function changeCreditAccount(CreditAccountChange calldata change, bytes calldata signature) external onlyRelayer {
        CreditAccount storage account = _creditAccounts[change.creditAccountId];
        if (account.status == CreditAccountStatus.NONE) revert CreditAccountNotFound(change.creditAccountId);
        if (change.actor != Party.ENTERPRISE && change.actor != Party.ORGANISATION) revert InvalidParty(change.actor);
        CreditAccountStatus next = _nextCreditAccountStatus(change.creditAccountId, account, change.action, change.actor);
        _checkDeadline(change.deadline);
        _checkSignature(
            keccak256(
                abi.encode(
                    CREDIT_ACCOUNT_CHANGE_TYPEHASH,
                    change.operationId,
                    change.creditAccountId,
                    change.action,
                    change.actor,
                    change.deadline
                )
            ),
            signature,
            change.actor == Party.ENTERPRISE ? account.enterprise : _attestorOf(account.enterprise)
        );
        _useOperation(change.operationId);

        account.status = next;
        if (change.action == CreditAccountAction.FREEZE) {
            account.frozenBy = change.actor;
            emit CreditAccountFrozen(change.operationId, change.creditAccountId, change.actor);
        } else if (change.action == CreditAccountAction.UNFREEZE) {
            account.frozenBy = Party.NONE;
            emit CreditAccountUnfrozen(change.operationId, change.creditAccountId, change.actor);
        } else {
            emit CreditAccountClosed(change.operationId, change.creditAccountId, change.actor);
        }
    }

    // ---------------------------------------------------------------- applications

    /// @notice Records an enterprise's application to a merchant for a credit line.
    /// @dev Both parties registered, active and qualified; the enterprise's credit account of the
    /// currency ACTIVE. The application's id is its operation id.
    /// @param enterpriseSignature EIP-712 `CreditApplication` signature of the enterprise.
    function submitApplication(
        CreditApplication calldata application,
        bytes calldata enterpriseSignature
    ) external onlyRelayer {
        _checkCurrency(application.currency);
        if (application.requestedLimit == 0) revert InvalidAmount(application.requestedLimit);
        if (application.termDays == 0 || application.termDays > MAX_TERM_DAYS) {
            revert InvalidTerm(application.termDays, MAX_TERM_DAYS);
        }
        if (application.expiresAt <= block.timestamp) revert ExpiryNotInFuture(application.expiresAt, block.timestamp);
        if (application.expiresAt > block.timestamp + MAX_LINE_LIFETIME) {
            revert ExpiryTooFar(application.expiresAt, block.timestamp + MAX_LINE_LIFETIME);
        }
        _requireParties(application.enterprise, application.merchant);
        _requireActiveAccount(creditAccountIdOf(application.enterprise, application.currency));
        _checkDeadline(application.deadline);
        _checkSignature(
            keccak256(
                abi.encode(
                    CREDIT_APPLICATION_TYPEHASH,
                    application.operationId,
                    application.enterprise,
                    application.merchant,
                    application.currency,
                    application.requestedLimit,
                    application.termDays,
                    application.expiresAt,
                    application.referenceHash,
                    application.deadline
                )
            ),
            enterpriseSignature,
            application.enterprise
        );
        _useOperation(application.operationId);

        _applications[application.operationId] = Application({
            enterprise: application.enterprise,
            status: ApplicationStatus.SUBMITTED,
            termDays: application.termDays,
            expiresAt: application.expiresAt,
            merchant: application.merchant,
            currency: application.currency,
            requestedLimit: application.requestedLimit
        });
        emit CreditApplicationSubmitted(
            application.operationId,
            application.enterprise,
            application.merchant,
            application.currency,
            application.requestedLimit,
            application.termDays,
            application.expiresAt,
            application.referenceHash
        );
    }

    /// @notice The merchant's decision: approve with a limit ≤ requested (the line opens ACTIVE, its
    /// id the application's id), or reject with a reason code.
    /// @param merchantSignature EIP-712 `CreditDecision` signature of the application's merchant.
    function decideApplication(CreditDecision calldata decision, bytes calldata merchantSignature) external onlyRelayer {
        Application storage application = _pendingApplication(decision.applicationId);
        if (decision.outcome == DecisionOutcome.APPROVE) {
            if (decision.limit == 0) revert InvalidAmount(decision.limit);
            if (decision.limit > application.requestedLimit) {
                revert LimitAboveRequested(decision.limit, application.requestedLimit);
            }
            if (application.expiresAt <= block.timestamp) {
                revert ApplicationExpired(decision.applicationId, application.expiresAt, block.timestamp);
            }
            _requireParties(application.enterprise, application.merchant);
            _requireActiveAccount(creditAccountIdOf(application.enterprise, application.currency));
        } else if (decision.outcome != DecisionOutcome.REJECT) {
            revert InvalidDecision(decision.outcome);
        }
        _checkDeadline(decision.deadline);
        _checkSignature(
            keccak256(
                abi.encode(
                    CREDIT_DECISION_TYPEHASH,
                    decision.operationId,
                    decision.applicationId,
                    decision.outcome,
                    decision.limit,
                    decision.reasonCode,
                    decision.deadline
                )
            ),
            merchantSignature,
            application.merchant
        );
        _useOperation(decision.operationId);

        if (decision.outcome == DecisionOutcome.REJECT) {
            application.status = ApplicationStatus.REJECTED;
            emit CreditApplicationRejected(decision.operationId, decision.applicationId, decision.reasonCode);
            return;
        }
        application.status = ApplicationStatus.APPROVED;
        uint32 lineNumber = ++_lineCount;
        _lineIds[lineNumber] = decision.applicationId;
        bytes32 creditAccountId = creditAccountIdOf(application.enterprise, application.currency);
        _lines[decision.applicationId] = CreditLine({
            creditAccountId: creditAccountId,
            enterprise: application.enterprise,
            status: CreditLineStatus.ACTIVE,
            termDays: application.termDays,
            number: lineNumber,
            expiresAt: application.expiresAt,
            merchant: application.merchant,
            currency: application.currency,
            limit: decision.limit,
            used: 0
        });
        emit CreditApplicationApproved(decision.operationId, decision.applicationId, decision.limit);
        emit CreditLineOpened(
            decision.applicationId,
            creditAccountId,
            application.merchant,
            application.enterprise,
            application.currency,
            decision.limit,
            application.termDays,
            application.expiresAt
        );
    }

    /// @notice The enterprise withdraws its pending application.
    /// @param enterpriseSignature EIP-712 `CreditApplicationWithdrawal` signature of the enterprise.
    function withdrawApplication(
        CreditApplicationWithdrawal calldata withdrawal,
        bytes calldata enterpriseSignature
    ) external onlyRelayer {
        Application storage application = _pendingApplication(withdrawal.applicationId);
        _checkDeadline(withdrawal.deadline);
        _checkSignature(
            keccak256(
                abi.encode(
                    CREDIT_APPLICATION_WITHDRAWAL_TYPEHASH,
                    withdrawal.operationId,
                    withdrawal.applicationId,
                    withdrawal.deadline
                )
            ),
            enterpriseSignature,
            application.enterprise
        );
        _useOperation(withdrawal.operationId);
        application.status = ApplicationStatus.WITHDRAWN;
        emit CreditApplicationWithdrawn(withdrawal.operationId, withdrawal.applicationId);
    }

    // ---------------------------------------------------------------- credit lines

    /// @notice The merchant adjusts the limit (never below `used`), suspends, resumes or closes a
    /// line; the enterprise may close a line it does not use.
    /// @param signature EIP-712 `CreditLineChange` signature of the party named by `actor`.
    function changeCreditLine(CreditLineChange calldata change, bytes calldata signature) external onlyRelayer {
        CreditLine storage line = _lines[change.lineId];
        if (line.status == CreditLineStatus.NONE) revert CreditLineNotFound(change.lineId);
        if (change.actor != Party.MERCHANT && change.actor != Party.ENTERPRISE) revert InvalidParty(change.actor);
        if (change.actor == Party.ENTERPRISE && change.action != CreditLineAction.CLOSE) {
            revert PartyNotAllowed(change.actor, uint8(change.action));
        }
        CreditLineStatus next = _nextLineStatus(change.lineId, line, change.action);
        if (change.action == CreditLineAction.ADJUST_LIMIT) {
            if (change.limit == 0) revert InvalidAmount(change.limit);
            if (change.limit < line.used) revert LimitBelowUsed(change.lineId, change.limit, line.used);
            // The enterprise consented to at most what it asked for.
            uint256 requested = _applications[change.lineId].requestedLimit;
            if (change.limit > requested) revert LimitAboveRequested(change.limit, requested);
        }
        if (change.action == CreditLineAction.CLOSE && change.actor == Party.ENTERPRISE && line.used != 0) {
            revert CreditInUse(change.lineId, line.used);
        }
        _checkDeadline(change.deadline);
        _checkSignature(
            keccak256(
                abi.encode(
                    CREDIT_LINE_CHANGE_TYPEHASH,
                    change.operationId,
                    change.lineId,
                    change.action,
                    change.actor,
                    change.limit,
                    change.deadline
                )
            ),
            signature,
            change.actor == Party.MERCHANT ? line.merchant : line.enterprise
        );
        _useOperation(change.operationId);

        line.status = next;
        if (change.action == CreditLineAction.ADJUST_LIMIT) {
            line.limit = change.limit;
            emit CreditLineLimitChanged(change.operationId, change.lineId, change.limit);
        } else if (change.action == CreditLineAction.SUSPEND) {
            emit CreditLineSuspended(change.operationId, change.lineId);
        } else if (change.action == CreditLineAction.RESUME) {
            emit CreditLineResumed(change.operationId, change.lineId);
        } else {
            emit CreditLineClosed(change.operationId, change.lineId, change.actor);
        }
    }

    // ---------------------------------------------------------------- payments on credit

    /// @notice Pays on credit (S4): the chain verifies the payer's signature (the line's
    /// enterprise), the payee (the line's merchant), both parties' identity (registered, ACTIVE,
    /// qualified, organisation active), the line (ACTIVE, unexpired, limit) and the credit account
    /// (ACTIVE, ceiling), then records the bill, whose id is the payment's operation id. The bill
    /// and its `BillRecorded` event are the payment's only record. Refused: reverts with the
    /// custom error of the first check that failed, in the order above.
    /// @param r The `r` of the enterprise's EIP-712 `CreditPayment` signature, in the compact form
    /// of ERC-2098 (64 bytes rather than 65, so less calldata per payment).
    /// @param yParityAndS The signature's `s` with its y parity in the top bit (ERC-2098).
    function payOnCredit(CreditPayment calldata payment, bytes32 r, bytes32 yParityAndS) external onlyRelayer {
        bytes memory refusal = _tryPayOnCredit(payment, r, yParityAndS);
        if (refusal.length != 0) _revertWith(refusal);
    }

    /// @notice Pays many payments on credit in one call frame, each checked exactly as
    /// `payOnCredit` checks it: a refused one changes nothing and is reported by
    /// `OperationRejected` with its custom error's bytes; the others are recorded.
    /// @dev The hot path of the system. Against `batch` of `payOnCredit` calls it saves a call
    /// frame, a copy and a decoding per payment (gas, and a node's time per payment). Each
    /// payment writes one new storage slot (its bill) and one event; each slot of a line and its
    /// account is read once per payment and is warm after the batch's first payment on it; a
    /// line's parties are asked of the registry once per batch (`_partiesUsable`).
    /// @param payments The payments, as signed.
    /// @param rs Per payment, its signature's `r` (ERC-2098).
    /// @param yParityAndSs Per payment, its signature's `yParityAndS` (ERC-2098).
    /// @return accepted Per payment, whether it was recorded.
    function payOnCreditBatch(
        CreditPayment[] calldata payments,
        bytes32[] calldata rs,
        bytes32[] calldata yParityAndSs
    ) external onlyRelayer returns (bool[] memory accepted) {
        uint256 size = payments.length;
        if (size > MAX_BATCH_SIZE) revert BatchTooLarge(size, MAX_BATCH_SIZE);
        if (rs.length != size || yParityAndSs.length != size) revert BatchShapeMismatch(size, rs.length, yParityAndSs.length);
        accepted = new bool[](size);
        bool outermost = _enterBatch();
        for (uint256 i = 0; i < size; ++i) {
            bytes memory refusal = _tryPayOnCredit(payments[i], rs[i], yParityAndSs[i]);
            if (refusal.length == 0) {
                accepted[i] = true;
            } else {
                emit OperationRejected(payments[i].operationId, refusal);
            }
        }
        _exitBatch(outermost);
    }

    /// @dev One payment on credit: every check first (nothing written), then the writes. Returns
    /// the refusal (a custom error's selector and arguments) or empty bytes when recorded.
    function _tryPayOnCredit(
        CreditPayment calldata payment,
        bytes32 r,
        bytes32 yParityAndS
    ) private returns (bytes memory refusal) {
        bytes32 lineId = payment.lineId;
        CreditLine memory line = _lines[lineId];
        if (line.status == CreditLineStatus.NONE) return abi.encodeWithSelector(CreditLineNotFound.selector, lineId);
        if (payment.payee != line.merchant) {
            return abi.encodeWithSelector(PayeeNotOnLine.selector, lineId, payment.payee, line.merchant);
        }
        if (block.timestamp > payment.deadline) {
            return abi.encodeWithSelector(DeadlinePassed.selector, payment.deadline, block.timestamp);
        }
        bytes32 structHash = keccak256(
            abi.encode(CREDIT_PAYMENT_TYPEHASH, payment.operationId, lineId, payment.payee, payment.amount, payment.deadline)
        );
        (address recovered, ECDSA.RecoverError recoverError, ) = ECDSA.tryRecover(
            _hashTypedDataV4(structHash),
            r,
            yParityAndS
        );
        if (recoverError != ECDSA.RecoverError.NoError || recovered != line.enterprise || recovered == address(0)) {
            return abi.encodeWithSelector(InvalidSignature.selector, line.enterprise, recovered);
        }
        uint256 amount = payment.amount;
        if (amount == 0 || amount > type(uint128).max) return abi.encodeWithSelector(InvalidAmount.selector, amount);
        if (_bills[payment.operationId].lineNumber != 0) {
            return abi.encodeWithSelector(DuplicateOperation.selector, payment.operationId);
        }
        refusal = _partiesUsable(lineId, line.enterprise, line.merchant);
        if (refusal.length != 0) return refusal;
        if (line.status != CreditLineStatus.ACTIVE) {
            return abi.encodeWithSelector(CreditLineNotActive.selector, lineId, line.status);
        }
        if (line.expiresAt <= block.timestamp) {
            return abi.encodeWithSelector(CreditLineExpired.selector, lineId, line.expiresAt, block.timestamp);
        }
        // limit ≥ used and ceiling ≥ used always hold, so these never overflow.
        if (amount > line.limit - line.used) {
            return abi.encodeWithSelector(CreditLimitExceeded.selector, lineId, line.limit, line.used, amount);
        }
        CreditAccount storage account = _creditAccounts[line.creditAccountId];
        CreditAccountStatus accountStatus = account.status;
        if (accountStatus != CreditAccountStatus.ACTIVE) {
            if (accountStatus == CreditAccountStatus.NONE) {
                return abi.encodeWithSelector(CreditAccountNotFound.selector, line.creditAccountId);
            }
            return abi.encodeWithSelector(CreditAccountNotActive.selector, line.creditAccountId, accountStatus);
        }
        uint256 ceiling = account.ceiling;
        uint256 accountUsed = account.used;
        if (amount > ceiling - accountUsed) {
            return abi.encodeWithSelector(CreditCeilingExceeded.selector, line.creditAccountId, ceiling, accountUsed, amount);
        }

        account.used = accountUsed + amount;
        _lines[lineId].used = line.used + amount;
        uint64 dueAt = uint64(block.timestamp) + uint64(line.termDays) * 1 days;
        _bills[payment.operationId] = StoredBill({
            lineNumber: line.number,
            amount: uint128(amount),
            dueAt: uint40(dueAt),
            status: BillStatus.UNSETTLED
        });
        emit BillRecorded(payment.operationId, lineId, amount, dueAt);
        return "";
    }

    // ---------------------------------------------------------------- bills (roles)

    /// @inheritdoc ICreditLedger
    function reserveId(bytes32 id) external onlyRole(PAYMENTS_ROLE) {
        _useOperation(id);
    }

    /// @notice Whether an operation id has been used: by this contract's operations, by a credit
    /// payment (its bill) or by the payment contract (reserved through `reserveId`).
    function operationRecorded(bytes32 operationId) public view override(ICreditLedger, RelayedOperations) returns (bool) {
        return _bills[operationId].lineNumber != 0;
    }

    /// @dev Every operation of this contract and of Payments takes its id in one id space, the
    /// bills' map: a bill holds its own id; any other operation reserves it.
    function _useOperation(bytes32 operationId) internal override {
        if (_bills[operationId].lineNumber != 0) revert DuplicateOperation(operationId);
        _bills[operationId].lineNumber = RESERVED_ID;
    }

    /// @inheritdoc ICreditLedger
    function refund(bytes32 billId, uint256 amount) external onlyRole(PAYMENTS_ROLE) returns (BillStatus status) {
        StoredBill storage bill = _existingBill(billId);
        if (bill.status != BillStatus.UNSETTLED) revert BillNotUnsettled(billId, bill.status);
        if (amount == 0) revert InvalidAmount(amount);
        uint256 refunded = _billRefunded[billId];
        uint256 outstanding = bill.amount - refunded;
        if (amount > outstanding) revert RefundExceedsOutstanding(billId, outstanding, amount);

        refunded += amount;
        _billRefunded[billId] = refunded;
        bytes32 lineId = _lineIds[bill.lineNumber];
        (uint256 lineUsed, uint256 accountUsed) = _restore(lineId, amount);
        emit BillRefunded(billId, lineId, amount, refunded, lineUsed, accountUsed);
        if (refunded == bill.amount) {
            bill.status = BillStatus.REFUNDED;
            emit BillStatusChanged(billId, lineId, BillStatus.REFUNDED, bytes32(0), lineUsed, accountUsed);
        }
        return bill.status;
    }

    /// @inheritdoc ICreditLedger
    function beginSettlement(
        bytes32 settlementId,
        bytes32[] calldata billIds
    ) external onlyRole(SETTLEMENTS_ROLE) returns (bytes32 lineId, uint256 total) {
        uint256 count = billIds.length;
        if (count == 0 || count > MAX_BILLS_PER_SETTLEMENT) revert BillCountOutOfRange(count, MAX_BILLS_PER_SETTLEMENT);
        uint32 lineNumber = _existingBill(billIds[0]).lineNumber;
        lineId = _lineIds[lineNumber];
        CreditLine storage line = _lines[lineId];
        CreditAccount storage account = _creditAccounts[line.creditAccountId];
        for (uint256 i = 0; i < count; ++i) {
            StoredBill storage bill = _existingBill(billIds[i]);
            if (bill.status != BillStatus.UNSETTLED) revert BillNotUnsettled(billIds[i], bill.status);
            if (bill.lineNumber != lineNumber) revert BillsOfDifferentLines(lineId, _lineIds[bill.lineNumber]);
            bill.status = BillStatus.IN_SETTLEMENT;
            _billSettlement[billIds[i]] = settlementId;
            total += bill.amount - _billRefunded[billIds[i]];
            emit BillStatusChanged(billIds[i], lineId, BillStatus.IN_SETTLEMENT, settlementId, line.used, account.used);
        }
        account.openSettlements += 1;
    }

    /// @inheritdoc ICreditLedger
    function completeSettlement(bytes32 settlementId, bytes32[] calldata billIds) external onlyRole(SETTLEMENTS_ROLE) {
        _endSettlement(settlementId, billIds, BillStatus.SETTLED);
    }

    /// @inheritdoc ICreditLedger
    function abandonSettlement(bytes32 settlementId, bytes32[] calldata billIds) external onlyRole(SETTLEMENTS_ROLE) {
        _endSettlement(settlementId, billIds, BillStatus.UNSETTLED);
    }

    // ---------------------------------------------------------------- views

    /// @notice `keccak256(abi.encode(enterprise, currency))`.
    function creditAccountIdOf(address enterprise, bytes3 currency) public pure returns (bytes32) {
        return keccak256(abi.encode(enterprise, currency));
    }

    /// @inheritdoc ICreditLedger
    function creditAccountOf(bytes32 creditAccountId) external view returns (CreditAccount memory) {
        return _creditAccounts[creditAccountId];
    }

    /// @inheritdoc ICreditLedger
    function creditLineOf(bytes32 lineId) external view returns (CreditLine memory) {
        return _lines[lineId];
    }

    /// @notice An application as recorded (status NONE when unknown).
    function applicationOf(bytes32 applicationId) external view returns (Application memory) {
        return _applications[applicationId];
    }

    /// @inheritdoc ICreditLedger
    function billOf(bytes32 billId) external view returns (Bill memory) {
        StoredBill memory bill = _bills[billId];
        if (bill.status == BillStatus.NONE) return Bill(bytes32(0), 0, 0, 0, BillStatus.NONE, bytes32(0));
        return
            Bill({
                lineId: _lineIds[bill.lineNumber],
                amount: bill.amount,
                refunded: _billRefunded[billId],
                dueAt: bill.dueAt,
                status: bill.status,
                settlementId: _billSettlement[billId]
            });
    }

    // ---------------------------------------------------------------- internals

    function _endSettlement(bytes32 settlementId, bytes32[] calldata billIds, BillStatus outcome) private {
        uint256 count = billIds.length;
        if (count == 0 || count > MAX_BILLS_PER_SETTLEMENT) revert BillCountOutOfRange(count, MAX_BILLS_PER_SETTLEMENT);
        uint32 lineNumber = _existingBill(billIds[0]).lineNumber;
        bytes32 lineId = _lineIds[lineNumber];
        CreditLine storage line = _lines[lineId];
        CreditAccount storage account = _creditAccounts[line.creditAccountId];
        for (uint256 i = 0; i < count; ++i) {
            StoredBill storage bill = _existingBill(billIds[i]);
            if (bill.status != BillStatus.IN_SETTLEMENT || _billSettlement[billIds[i]] != settlementId) {
                revert BillNotInSettlement(billIds[i], settlementId);
            }
            if (bill.lineNumber != lineNumber) revert BillsOfDifferentLines(lineId, _lineIds[bill.lineNumber]);
            bill.status = outcome;
            if (outcome == BillStatus.SETTLED) {
                uint256 outstanding = bill.amount - _billRefunded[billIds[i]];
                line.used -= outstanding;
                account.used -= outstanding;
            } else {
                delete _billSettlement[billIds[i]];
            }
            emit BillStatusChanged(billIds[i], lineId, outcome, settlementId, line.used, account.used);
        }
        account.openSettlements -= 1;
    }

    /// @dev A line's two parties usable (`registry.requireUsable`), asked once per line and batch
    /// scope; returns the registry's refusal, or empty bytes. Within one batch call of this
    /// contract only trusted code runs (this contract, the registry and the consortium; none of
    /// them changes an account or organisation here), so parties found usable stay usable for the
    /// rest of the batch. Outside a batch they are always asked.
    function _partiesUsable(bytes32 lineId, address enterprise, address merchant) private returns (bytes memory) {
        uint256 scope = _batchScope();
        bytes32 slot = keccak256(abi.encode(USABLE_IN_SCOPE, scope, lineId));
        uint256 known;
        if (scope != 0) {
            assembly ("memory-safe") {
                known := tload(slot)
            }
        }
        if (known != 0) return "";
        // A refusal carries the registry's custom error; a failure without one (out of gas) is no
        // refusal of the payment: the whole transaction reverts and its operations are retried.
        try registry.requireUsable(enterprise) {} catch (bytes memory reason) {
            if (reason.length == 0) _revertWith(reason);
            return reason;
        }
        try registry.requireUsable(merchant) {} catch (bytes memory reason) {
            if (reason.length == 0) _revertWith(reason);
            return reason;
        }
        if (scope != 0) {
            assembly ("memory-safe") {
                tstore(slot, 1)
            }
        }
        return "";
    }

    function _restore(bytes32 lineId, uint256 amount) private returns (uint256 lineUsed, uint256 accountUsed) {
        CreditLine storage line = _lines[lineId];
        CreditAccount storage account = _creditAccounts[line.creditAccountId];
        line.used -= amount;
        account.used -= amount;
        return (line.used, account.used);
    }

    function _existingBill(bytes32 billId) private view returns (StoredBill storage bill) {
        bill = _bills[billId];
        if (bill.status == BillStatus.NONE) revert BillNotFound(billId);
    }

    function _pendingApplication(bytes32 applicationId) private view returns (Application storage application) {
        application = _applications[applicationId];
        if (application.status == ApplicationStatus.NONE) revert ApplicationNotFound(applicationId);
        if (application.status != ApplicationStatus.SUBMITTED) {
            revert ApplicationNotPending(applicationId, application.status);
        }
    }

    function _requireActiveAccount(bytes32 creditAccountId) private view returns (CreditAccount storage account) {
        account = _creditAccounts[creditAccountId];
        if (account.status == CreditAccountStatus.NONE) revert CreditAccountNotFound(creditAccountId);
        if (account.status != CreditAccountStatus.ACTIVE) revert CreditAccountNotActive(creditAccountId, account.status);
    }

    /// @dev Both registered, ACTIVE, qualified, their organisations active, and of the right kinds.
    function _requireParties(address enterprise, address merchant) private view {
        if (registry.requireUsable(enterprise).kind != IAccountRegistry.AccountKind.ENTERPRISE) {
            revert NotAnEnterprise(enterprise);
        }
        if (registry.requireUsable(merchant).kind != IAccountRegistry.AccountKind.MERCHANT) {
            revert NotAMerchant(merchant);
        }
    }

    /// @dev The attestor of the enterprise's organisation (also while the organisation is
    /// suspended: freezing and closing stay possible, as in the account registry).
    function _attestorOf(address enterprise) private view returns (address) {
        return consortium.organisation(registry.accountOf(enterprise).orgId).attestor;
    }

    function _checkCurrency(bytes3 currency) private pure {
        for (uint256 i = 0; i < 3; ++i) {
            bytes1 letter = currency[i];
            if (letter < "A" || letter > "Z") revert InvalidCurrency(currency);
        }
    }

    function _nextCreditAccountStatus(
        bytes32 creditAccountId,
        CreditAccount storage account,
        CreditAccountAction action,
        Party actor
    ) private view returns (CreditAccountStatus) {
        CreditAccountStatus status = account.status;
        if (action == CreditAccountAction.FREEZE && status == CreditAccountStatus.ACTIVE) {
            return CreditAccountStatus.FROZEN;
        }
        if (action == CreditAccountAction.UNFREEZE && status == CreditAccountStatus.FROZEN) {
            if (account.frozenBy != actor) revert FrozenByOtherParty(creditAccountId, account.frozenBy, actor);
            return CreditAccountStatus.ACTIVE;
        }
        if (action == CreditAccountAction.CLOSE && status != CreditAccountStatus.CLOSED) {
            if (account.used != 0) revert CreditInUse(creditAccountId, account.used);
            if (account.openSettlements != 0) revert OpenSettlements(creditAccountId, account.openSettlements);
            return CreditAccountStatus.CLOSED;
        }
        revert InvalidCreditAccountTransition(creditAccountId, status, action);
    }

    function _nextLineStatus(
        bytes32 lineId,
        CreditLine storage line,
        CreditLineAction action
    ) private view returns (CreditLineStatus) {
        CreditLineStatus status = line.status;
        if (action == CreditLineAction.ADJUST_LIMIT && status != CreditLineStatus.CLOSED) return status;
        if (action == CreditLineAction.SUSPEND && status == CreditLineStatus.ACTIVE) return CreditLineStatus.SUSPENDED;
        if (action == CreditLineAction.RESUME && status == CreditLineStatus.SUSPENDED) return CreditLineStatus.ACTIVE;
        if (action == CreditLineAction.CLOSE && status != CreditLineStatus.CLOSED) return CreditLineStatus.CLOSED;
        revert InvalidCreditLineTransition(lineId, status, action);
    }
}
