// Every NATS subject Tally uses, built once from the namespace in config, so that decorators
// (@MessagePattern) and publishers share the same strings. Request-reply subjects are
// `<ns>.<service>.<aggregate>.<verb>`; events are `<ns>.events.<aggregate>.<event>`.
import { loadMessagingSettings } from '../config/config.js';

const { NATS_NAMESPACE: ns, NATS_STREAM: stream } = loadMessagingSettings();

export const messaging = {
  namespace: ns,
  stream,
  /** Everything the event stream captures. */
  eventsWildcard: `${ns}.events.>`,
} as const;

/** Aggregates that have events, named as in DESIGN.md's resources (singular). */
export type EventAggregate =
  | 'organisation'
  | 'api-key'
  | 'account'
  | 'credit-account'
  | 'credit-application'
  | 'credit-line'
  | 'token-class'
  | 'issuance'
  | 'redemption'
  | 'transfer'
  | 'payment'
  | 'refund'
  | 'bill'
  | 'settlement'
  | 'clearing-position';

export function eventSubject(aggregate: EventAggregate, event: string): string {
  return `${ns}.events.${aggregate}.${event}`;
}

export const requestSubjects = {
  registration: {
    accountGet: `${ns}.registration.account.get`,
    signatureCreate: `${ns}.registration.signature.create`,
  },
  credit: {
    creditLineGet: `${ns}.credit.credit-line.get`,
  },
  /** Each service answers with a snapshot of its views for reconciliation. */
  reconciliation: (service: string) => `${ns}.${service}.reconciliation.get`,
  /** Each service answers its own health probe (used by reconciliation and ops). */
  health: (service: string) => `${ns}.${service}.health.get`,
} as const;

export const eventTypes = {
  organisationAdmitted: 'organisation.admitted',
  organisationSuspended: 'organisation.suspended',
  organisationReinstated: 'organisation.reinstated',
  apiKeyIssued: 'api-key.issued',
  apiKeyRevoked: 'api-key.revoked',
  accountRegistered: 'account.registered',
  accountQualificationRenewed: 'account.qualification-renewed',
  accountFrozen: 'account.frozen',
  accountUnfrozen: 'account.unfrozen',
  accountClosed: 'account.closed',
  creditAccountOpened: 'credit-account.opened',
  creditAccountCeilingChanged: 'credit-account.ceiling-changed',
  creditAccountFrozen: 'credit-account.frozen',
  creditAccountUnfrozen: 'credit-account.unfrozen',
  creditAccountClosed: 'credit-account.closed',
  creditApplicationSubmitted: 'credit-application.submitted',
  creditApplicationApproved: 'credit-application.approved',
  creditApplicationRejected: 'credit-application.rejected',
  creditApplicationWithdrawn: 'credit-application.withdrawn',
  creditLineOpened: 'credit-line.opened',
  creditLineLimitChanged: 'credit-line.limit-changed',
  creditLineSuspended: 'credit-line.suspended',
  creditLineResumed: 'credit-line.resumed',
  creditLineClosed: 'credit-line.closed',
  creditLineUtilisationCrossed: 'credit-line.utilisation-crossed',
  tokenClassRegistered: 'token-class.registered',
  tokenClassAcceptanceChanged: 'token-class.acceptance-changed',
  issuanceRecorded: 'issuance.recorded',
  redemptionRecorded: 'redemption.recorded',
  transferRecorded: 'transfer.recorded',
  paymentRecorded: 'payment.recorded',
  paymentStatusChanged: 'payment.status-changed',
  refundRecorded: 'refund.recorded',
  billRecorded: 'bill.recorded',
  billStatusChanged: 'bill.status-changed',
  settlementInitiated: 'settlement.initiated',
  settlementConfirmed: 'settlement.confirmed',
  settlementRejected: 'settlement.rejected',
  settlementCancelled: 'settlement.cancelled',
  clearingPositionReportAnchored: 'clearing-position.report-anchored',
} as const;

export type EventType = (typeof eventTypes)[keyof typeof eventTypes];

/** The subject of an event type such as `account.registered`. */
export function subjectOf(type: EventType): string {
  const [aggregate, event] = type.split('.') as [EventAggregate, string];
  return eventSubject(aggregate, event);
}
