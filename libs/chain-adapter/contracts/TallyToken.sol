// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {ERC1155} from "@openzeppelin/contracts/token/ERC1155/ERC1155.sol";
import {ERC1155Supply} from "@openzeppelin/contracts/token/ERC1155/extensions/ERC1155Supply.sol";
import {IAccountRegistry} from "./IAccountRegistry.sol";
import {IConsortium} from "./IConsortium.sol";
import {RelayedOperations} from "./RelayedOperations.sol";

/// @title TallyToken — S2: the one token standard every payment system issues on.
/// @notice An ERC-1155 multi-token: each organisation registers its token classes (one id each,
/// decimals equal to the currency's exponent), issues them to registered accounts whose users paid
/// it money, and redeems them. Any class moves across organisations. Only registered accounts hold
/// tokens; a frozen or lapsed account can neither be issued tokens nor send them, but escrow
/// (settlements) and redemption move its tokens regardless. Escrow is held in this contract's own
/// balance, per settlement, and only the settlements role moves it.
contract TallyToken is ERC1155Supply, AccessControl, RelayedOperations {
    bytes32 public constant PAYMENTS_ROLE = keccak256("PAYMENTS_ROLE");
    bytes32 public constant SETTLEMENTS_ROLE = keccak256("SETTLEMENTS_ROLE");

    bytes32 public constant TOKEN_CLASS_REGISTRATION_TYPEHASH =
        keccak256(
            "TokenClassRegistration(bytes32 operationId,bytes32 orgId,bytes32 symbol,bytes3 currency,uint8 decimals,uint64 deadline)"
        );
    bytes32 public constant ISSUANCE_TYPEHASH =
        keccak256("Issuance(bytes32 operationId,uint256 tokenId,address to,uint256 amount,uint64 deadline)");
    bytes32 public constant REDEMPTION_TYPEHASH =
        keccak256("Redemption(bytes32 operationId,uint256 tokenId,address from,uint256 amount,uint64 deadline)");
    bytes32 public constant TOKEN_TRANSFER_TYPEHASH =
        keccak256(
            "TokenTransfer(bytes32 operationId,uint256 tokenId,address from,address to,uint256 amount,uint64 deadline)"
        );
    bytes32 public constant TOKEN_ACCEPTANCE_TYPEHASH =
        keccak256("TokenAcceptance(bytes32 operationId,address merchant,uint256 tokenId,bool accepted,uint64 deadline)");

    enum TokenClassStatus {
        NONE,
        ACTIVE
    }

    struct TokenClass {
        bytes32 issuerOrgId;
        bytes32 symbol;
        bytes3 currency;
        uint8 decimals;
        TokenClassStatus status;
    }

    struct TokenClassRegistration {
        bytes32 operationId;
        bytes32 orgId;
        bytes32 symbol;
        bytes3 currency;
        uint8 decimals;
        uint64 deadline;
    }

    struct Issuance {
        bytes32 operationId;
        uint256 tokenId;
        address to;
        uint256 amount;
        uint64 deadline;
    }

    struct Redemption {
        bytes32 operationId;
        uint256 tokenId;
        address from;
        uint256 amount;
        uint64 deadline;
    }

    struct TokenTransfer {
        bytes32 operationId;
        uint256 tokenId;
        address from;
        address to;
        uint256 amount;
        uint64 deadline;
    }

    struct TokenAcceptance {
        bytes32 operationId;
        address merchant;
        uint256 tokenId;
        bool accepted;
        uint64 deadline;
    }

    /// @notice Tokens locked for one settlement.
    struct Escrow {
        uint256 tokenId;
        address from;
        uint256 amount;
    }

    IAccountRegistry public immutable registry;

    mapping(uint256 tokenId => TokenClass) private _classes;
    /// @dev ISO 4217 minor-unit exponent + 1 (0: the currency is not supported).
    mapping(bytes3 currency => uint8) private _exponentPlusOne;
    mapping(bytes3 currency => uint256) private _classesOfCurrency;
    mapping(address merchant => bool) private _restrictsAcceptance;
    mapping(address merchant => mapping(uint256 tokenId => bool)) private _accepted;
    mapping(bytes32 settlementId => Escrow) private _escrows;
    /// @dev Set while escrow and redemption move tokens: the holder rules do not apply to them.
    bool private transient _privileged;

    event CurrencySupported(bytes3 indexed currency, uint8 exponent);
    event TokenClassRegistered(
        bytes32 indexed operationId,
        uint256 indexed tokenId,
        bytes32 indexed issuerOrgId,
        bytes32 symbol,
        bytes3 currency,
        uint8 decimals
    );
    event TokensIssued(bytes32 indexed operationId, uint256 indexed tokenId, address indexed to, uint256 amount);
    event TokensRedeemed(bytes32 indexed operationId, uint256 indexed tokenId, address indexed from, uint256 amount);
    event TokensTransferred(
        bytes32 indexed operationId,
        uint256 indexed tokenId,
        address indexed from,
        address to,
        uint256 amount
    );
    event TokenAcceptanceChanged(
        bytes32 indexed operationId,
        address indexed merchant,
        uint256 indexed tokenId,
        bool accepted
    );
    event EscrowLocked(bytes32 indexed settlementId, uint256 indexed tokenId, address indexed from, uint256 amount);
    event EscrowReleased(bytes32 indexed settlementId, uint256 indexed tokenId, address indexed to, uint256 amount);
    event EscrowReturned(bytes32 indexed settlementId, uint256 indexed tokenId, address indexed to, uint256 amount);

    error CurrencyNotSupported(bytes3 currency);
    error DecimalsMismatch(bytes3 currency, uint8 decimals, uint8 exponent);
    error InvalidSymbol(bytes32 symbol);
    error InvalidAmount(uint256 amount);
    error TokenClassExists(uint256 tokenId);
    error TokenClassNotFound(uint256 tokenId);
    error NotAHolder(address account);
    error NotAMerchant(address account);
    error TokenClassNotAccepted(address merchant, uint256 tokenId);
    error EscrowExists(bytes32 settlementId);
    error EscrowNotFound(bytes32 settlementId);

    /// @param admin Grants the payments and settlements roles and adds currencies.
    /// @param currencies ISO 4217 codes supported at deployment, with their `exponents`.
    constructor(
        IConsortium consortium_,
        IAccountRegistry registry_,
        address admin,
        bytes3[] memory currencies,
        uint8[] memory exponents
    ) ERC1155("") RelayedOperations(consortium_) {
        registry = registry_;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        for (uint256 i = 0; i < currencies.length; ++i) _supportCurrency(currencies[i], exponents[i]);
    }

    // ---------------------------------------------------------------- administration

    /// @notice Adds a currency (or corrects its exponent before any class uses it).
    function supportCurrency(bytes3 currency, uint8 exponent) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _supportCurrency(currency, exponent);
    }

    // ---------------------------------------------------------------- relayed operations

    /// @notice An organisation registers a token class; its attestor signs. The class id is
    /// `uint256(keccak256(abi.encode(orgId, symbol)))`.
    function registerTokenClass(
        TokenClassRegistration calldata registration,
        bytes calldata attestorSignature
    ) external onlyRelayer {
        _checkSymbol(registration.symbol);
        uint8 exponentPlusOne = _exponentPlusOne[registration.currency];
        if (exponentPlusOne == 0) revert CurrencyNotSupported(registration.currency);
        if (registration.decimals != exponentPlusOne - 1) {
            revert DecimalsMismatch(registration.currency, registration.decimals, exponentPlusOne - 1);
        }
        uint256 tokenId = tokenIdOf(registration.orgId, registration.symbol);
        if (_classes[tokenId].status != TokenClassStatus.NONE) revert TokenClassExists(tokenId);
        _checkDeadline(registration.deadline);
        _checkSignature(
            keccak256(
                abi.encode(
                    TOKEN_CLASS_REGISTRATION_TYPEHASH,
                    registration.operationId,
                    registration.orgId,
                    registration.symbol,
                    registration.currency,
                    registration.decimals,
                    registration.deadline
                )
            ),
            attestorSignature,
            consortium.activeAttestor(registration.orgId)
        );
        _useOperation(registration.operationId);

        _classes[tokenId] = TokenClass({
            issuerOrgId: registration.orgId,
            symbol: registration.symbol,
            currency: registration.currency,
            decimals: registration.decimals,
            status: TokenClassStatus.ACTIVE
        });
        _classesOfCurrency[registration.currency] += 1;
        emit TokenClassRegistered(
            registration.operationId,
            tokenId,
            registration.orgId,
            registration.symbol,
            registration.currency,
            registration.decimals
        );
    }

    /// @notice The issuer organisation issues tokens to an account whose user paid it money.
    /// @param attestorSignature EIP-712 `Issuance` signature of the issuer organisation's attestor.
    function issue(Issuance calldata issuance, bytes calldata attestorSignature) external onlyRelayer {
        TokenClass storage tokenClass = _existingClass(issuance.tokenId);
        if (issuance.amount == 0) revert InvalidAmount(issuance.amount);
        registry.requireUsable(issuance.to);
        _checkDeadline(issuance.deadline);
        _checkSignature(
            keccak256(
                abi.encode(
                    ISSUANCE_TYPEHASH,
                    issuance.operationId,
                    issuance.tokenId,
                    issuance.to,
                    issuance.amount,
                    issuance.deadline
                )
            ),
            attestorSignature,
            consortium.activeAttestor(tokenClass.issuerOrgId)
        );
        _useOperation(issuance.operationId);
        _mint(issuance.to, issuance.tokenId, issuance.amount, "");
        emit TokensIssued(issuance.operationId, issuance.tokenId, issuance.to, issuance.amount);
    }

    /// @notice The issuer organisation redeems a holder's tokens (pays the money out); both the
    /// holder and the issuer's attestor sign. A frozen or lapsed holder may still redeem.
    function redeem(
        Redemption calldata redemption,
        bytes calldata holderSignature,
        bytes calldata attestorSignature
    ) external onlyRelayer {
        TokenClass storage tokenClass = _existingClass(redemption.tokenId);
        if (redemption.amount == 0) revert InvalidAmount(redemption.amount);
        _checkDeadline(redemption.deadline);
        bytes32 structHash = keccak256(
            abi.encode(
                REDEMPTION_TYPEHASH,
                redemption.operationId,
                redemption.tokenId,
                redemption.from,
                redemption.amount,
                redemption.deadline
            )
        );
        _checkSignature(structHash, holderSignature, redemption.from);
        _checkSignature(structHash, attestorSignature, consortium.activeAttestor(tokenClass.issuerOrgId));
        _useOperation(redemption.operationId);
        _privileged = true;
        _burn(redemption.from, redemption.tokenId, redemption.amount);
        _privileged = false;
        emit TokensRedeemed(redemption.operationId, redemption.tokenId, redemption.from, redemption.amount);
    }

    /// @notice A holder's signed transfer, relayed (holders may also call `safeTransferFrom` themselves).
    function transfer(TokenTransfer calldata order, bytes calldata holderSignature) external onlyRelayer {
        _existingClass(order.tokenId);
        if (order.amount == 0) revert InvalidAmount(order.amount);
        _checkDeadline(order.deadline);
        _checkSignature(
            keccak256(
                abi.encode(
                    TOKEN_TRANSFER_TYPEHASH,
                    order.operationId,
                    order.tokenId,
                    order.from,
                    order.to,
                    order.amount,
                    order.deadline
                )
            ),
            holderSignature,
            order.from
        );
        _useOperation(order.operationId);
        _safeTransferFrom(order.from, order.to, order.tokenId, order.amount, "");
        emit TokensTransferred(order.operationId, order.tokenId, order.from, order.to, order.amount);
    }

    /// @notice A merchant declares whether it accepts a class. Until its first declaration it
    /// accepts every active class; after it, only the classes it accepted.
    function setAcceptance(TokenAcceptance calldata acceptance, bytes calldata merchantSignature) external onlyRelayer {
        _existingClass(acceptance.tokenId);
        if (registry.accountOf(acceptance.merchant).kind != IAccountRegistry.AccountKind.MERCHANT) {
            revert NotAMerchant(acceptance.merchant);
        }
        _checkDeadline(acceptance.deadline);
        _checkSignature(
            keccak256(
                abi.encode(
                    TOKEN_ACCEPTANCE_TYPEHASH,
                    acceptance.operationId,
                    acceptance.merchant,
                    acceptance.tokenId,
                    acceptance.accepted,
                    acceptance.deadline
                )
            ),
            merchantSignature,
            acceptance.merchant
        );
        _useOperation(acceptance.operationId);
        _restrictsAcceptance[acceptance.merchant] = true;
        _accepted[acceptance.merchant][acceptance.tokenId] = acceptance.accepted;
        emit TokenAcceptanceChanged(acceptance.operationId, acceptance.merchant, acceptance.tokenId, acceptance.accepted);
    }

    // ---------------------------------------------------------------- roles

    /// @notice A token payment: moves the payer's tokens to a payee that accepts the class (payments role).
    /// @dev The holder rules apply: the payer must be usable, the payee a holder.
    function paymentTransfer(address from, address to, uint256 tokenId, uint256 amount) external onlyRole(PAYMENTS_ROLE) {
        if (!accepts(to, tokenId)) revert TokenClassNotAccepted(to, tokenId);
        _safeTransferFrom(from, to, tokenId, amount, "");
    }

    /// @notice Locks `amount` of the enterprise's tokens for a settlement (settlements role).
    function lockEscrow(
        bytes32 settlementId,
        uint256 tokenId,
        address from,
        uint256 amount
    ) external onlyRole(SETTLEMENTS_ROLE) {
        if (_escrows[settlementId].amount != 0) revert EscrowExists(settlementId);
        if (amount == 0) revert InvalidAmount(amount);
        _escrows[settlementId] = Escrow({tokenId: tokenId, from: from, amount: amount});
        _moveUnchecked(from, address(this), tokenId, amount);
        emit EscrowLocked(settlementId, tokenId, from, amount);
    }

    /// @notice Releases a settlement's escrow to the merchant (settlements role).
    function releaseEscrow(bytes32 settlementId, address to) external onlyRole(SETTLEMENTS_ROLE) {
        Escrow memory escrow = _takeEscrow(settlementId);
        _moveUnchecked(address(this), to, escrow.tokenId, escrow.amount);
        emit EscrowReleased(settlementId, escrow.tokenId, to, escrow.amount);
    }

    /// @notice Returns a settlement's escrow to the enterprise (settlements role).
    function returnEscrow(bytes32 settlementId) external onlyRole(SETTLEMENTS_ROLE) {
        Escrow memory escrow = _takeEscrow(settlementId);
        _moveUnchecked(address(this), escrow.from, escrow.tokenId, escrow.amount);
        emit EscrowReturned(settlementId, escrow.tokenId, escrow.from, escrow.amount);
    }

    // ---------------------------------------------------------------- views

    function tokenIdOf(bytes32 orgId, bytes32 symbol) public pure returns (uint256) {
        return uint256(keccak256(abi.encode(orgId, symbol)));
    }

    function tokenClassOf(uint256 tokenId) external view returns (TokenClass memory) {
        return _classes[tokenId];
    }

    /// @notice The currency's minor-unit exponent, and whether it is supported.
    function currencyExponent(bytes3 currency) external view returns (uint8 exponent, bool supported) {
        uint8 plusOne = _exponentPlusOne[currency];
        return (plusOne == 0 ? 0 : plusOne - 1, plusOne != 0);
    }

    /// @notice Whether `merchant` takes payments in class `tokenId`.
    function accepts(address merchant, uint256 tokenId) public view returns (bool) {
        if (_classes[tokenId].status != TokenClassStatus.ACTIVE) return false;
        return !_restrictsAcceptance[merchant] || _accepted[merchant][tokenId];
    }

    function escrowOf(bytes32 settlementId) external view returns (Escrow memory) {
        return _escrows[settlementId];
    }

    /// @inheritdoc AccessControl
    function supportsInterface(bytes4 interfaceId) public view override(ERC1155, AccessControl) returns (bool) {
        return super.supportsInterface(interfaceId);
    }

    // ---------------------------------------------------------------- internals

    /// @dev The holder rules, on every movement but escrow and redemption: the sender must be
    /// usable (registered, active, qualified), the receiver a registered account not closed.
    function _update(
        address from,
        address to,
        uint256[] memory ids,
        uint256[] memory values
    ) internal override {
        if (!_privileged) {
            if (from != address(0)) registry.requireUsable(from);
            if (to != address(0)) _requireHolder(to);
        }
        super._update(from, to, ids, values);
    }

    function _moveUnchecked(address from, address to, uint256 tokenId, uint256 amount) private {
        uint256[] memory ids = new uint256[](1);
        uint256[] memory values = new uint256[](1);
        ids[0] = tokenId;
        values[0] = amount;
        _privileged = true;
        _update(from, to, ids, values);
        _privileged = false;
    }

    function _takeEscrow(bytes32 settlementId) private returns (Escrow memory escrow) {
        escrow = _escrows[settlementId];
        if (escrow.amount == 0) revert EscrowNotFound(settlementId);
        delete _escrows[settlementId];
    }

    /// @dev 1-31 characters of A-Z, 0-9, '.' and '-', left-aligned and zero-padded (a short string).
    function _checkSymbol(bytes32 symbol) private pure {
        bool ended = false;
        for (uint256 i = 0; i < 32; ++i) {
            bytes1 character = symbol[i];
            if (character == 0) {
                if (i == 0) revert InvalidSymbol(symbol);
                ended = true;
            } else if (
                ended ||
                i == 31 ||
                !((character >= "A" && character <= "Z") || (character >= "0" && character <= "9") || character == "." || character == "-")
            ) {
                revert InvalidSymbol(symbol);
            }
        }
    }

    function _requireHolder(address account) private view {
        IAccountRegistry.AccountStatus status = registry.accountOf(account).status;
        if (status == IAccountRegistry.AccountStatus.NONE || status == IAccountRegistry.AccountStatus.CLOSED) {
            revert NotAHolder(account);
        }
    }

    function _existingClass(uint256 tokenId) private view returns (TokenClass storage tokenClass) {
        tokenClass = _classes[tokenId];
        if (tokenClass.status == TokenClassStatus.NONE) revert TokenClassNotFound(tokenId);
    }

    function _supportCurrency(bytes3 currency, uint8 exponent) private {
        for (uint256 i = 0; i < 3; ++i) {
            if (currency[i] < "A" || currency[i] > "Z") revert CurrencyNotSupported(currency);
        }
        uint8 current = _exponentPlusOne[currency];
        // Classes of the currency carry its exponent as their decimals: it cannot change under them.
        if (current != 0 && current != exponent + 1 && _classesOfCurrency[currency] != 0) {
            revert DecimalsMismatch(currency, exponent, current - 1);
        }
        _exponentPlusOne[currency] = exponent + 1;
        emit CurrencySupported(currency, exponent);
    }
}
