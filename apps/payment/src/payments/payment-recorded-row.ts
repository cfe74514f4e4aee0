// The payment.recorded event of a recorded payment as its outbox row, written straight into JSON
// text: the same text as JSON.stringify(envelopeOf(event)) (the spec holds them equal), without the
// envelope's and the data's intermediate objects. A rebuild writes one per payment, tens of
// thousands a second, and this was the largest share of its time in this process.
import type { ChainEvent } from '#chain-adapter';
import { eventTypes, subjectOf, type EventRow, type PaymentRecordedData } from '#common';

const subject = subjectOf(eventTypes.paymentRecorded);
const text = (value: string | null) => (value === null ? 'null' : JSON.stringify(value));

/** The parties of a payment as its event names them. */
export type RecordedParties = Pick<PaymentRecordedData, 'kind' | 'payer' | 'payerOrgId' | 'payee' | 'payeeOrgId' | 'lineId' | 'tokenClassId'>;

/**
 * The row of the payment.recorded event of `event` (BillRecorded or PaymentRecorded) whose payment
 * is `paymentId`; `isoOf` turns chain seconds into ISO time (callers cache it per block).
 */
export function paymentRecordedRow(event: ChainEvent, paymentId: string, parties: RecordedParties, isoOf: (seconds: bigint) => string): EventRow {
  const { chainId, blockNumber, txHash, logIndex } = event.proof;
  const id = `${eventTypes.paymentRecorded}:${chainId}:${txHash}:${logIndex}`;
  const dueAt = parties.kind === 'CREDIT' ? isoOf(event.args.dueAt as bigint) : null;
  const envelope =
    `{"id":${text(id)},"type":"${eventTypes.paymentRecorded}","version":1,"occurredAt":${text(isoOf(event.blockTimestamp))},"orgId":${text(parties.payerOrgId)},` +
    `"chain":{"chainId":${text(chainId)},"blockNumber":${text(blockNumber)},"txHash":${text(txHash)},"logIndex":${JSON.stringify(logIndex)}},` +
    `"data":{"paymentId":${text(paymentId)},"kind":${text(parties.kind)},"payer":${text(parties.payer)},"payerOrgId":${text(parties.payerOrgId)},` +
    `"payee":${text(parties.payee)},"payeeOrgId":${text(parties.payeeOrgId)},"lineId":${text(parties.lineId)},"tokenClassId":${text(parties.tokenClassId)},` +
    `"amount":${text((event.args.amount as bigint).toString())},"dueAt":${text(dueAt)}}}`;
  return { id, subject, envelope };
}
