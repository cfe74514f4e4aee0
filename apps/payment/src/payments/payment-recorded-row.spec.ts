import type { ChainEvent } from '#chain-adapter';
import { eventTypes, rowOf, type PaymentRecordedData } from '#common';
import { paymentRecordedRow } from './payment-recorded-row.js';

const isoOf = (seconds: bigint) => new Date(Number(seconds) * 1000).toISOString();

/** The event as the generic path builds it (envelopeOf, JSON.stringify). */
function generic(event: ChainEvent, data: PaymentRecordedData) {
  return rowOf({ type: eventTypes.paymentRecorded, orgId: data.payerOrgId, source: event.proof, occurredAt: new Date(Number(event.blockTimestamp) * 1000), data });
}

const proof = { chainId: '31337', blockNumber: '1234', txHash: `0x${'ab'.repeat(32)}`, logIndex: 17 };

describe('paymentRecordedRow', () => {
  it('writes a credit payment as the generic path does', () => {
    const event: ChainEvent = {
      contract: 'CreditLedger',
      name: 'BillRecorded',
      args: { billId: `0x${'01'.repeat(32)}`, lineId: `0x${'02'.repeat(32)}`, amount: 123_456_789_012_345_678_901_234_567_890n, dueAt: 1_798_000_000n },
      proof,
      blockTimestamp: 1_795_000_123n,
    };
    const parties = { kind: 'CREDIT' as const, payer: `0x${'0a'.repeat(20)}`, payerOrgId: 'acme-pay', payee: `0x${'0b'.repeat(20)}`, payeeOrgId: 'beta-pay', lineId: `0x${'02'.repeat(32)}`, tokenClassId: null };
    const row = paymentRecordedRow(event, event.args.billId as string, parties, isoOf);
    const data: PaymentRecordedData = { paymentId: event.args.billId as string, ...parties, amount: '123456789012345678901234567890', dueAt: isoOf(1_798_000_000n) };
    expect(row).toEqual(generic(event, data));
    expect(JSON.parse(row.envelope)).toMatchObject({ type: 'payment.recorded', chain: proof, data: { kind: 'CREDIT', tokenClassId: null, dueAt: '2026-12-23T04:26:40.000Z' } });
  });

  it('writes a token payment (no line, no due date) and escapes what needs it, as the generic path does', () => {
    const event: ChainEvent = {
      contract: 'Payments',
      name: 'PaymentRecorded',
      args: { operationId: `0x${'03'.repeat(32)}`, amount: 5n, tokenId: 77n },
      proof: { ...proof, logIndex: 0 },
      blockTimestamp: 0n,
    };
    const parties = { kind: 'TOKEN' as const, payer: `0x${'0c'.repeat(20)}`, payerOrgId: 'odd "org"\\\n', payee: `0x${'0d'.repeat(20)}`, payeeOrgId: 'gamma-pay', lineId: null, tokenClassId: '77' };
    const row = paymentRecordedRow(event, event.args.operationId as string, parties, isoOf);
    expect(row).toEqual(generic(event, { paymentId: event.args.operationId as string, ...parties, amount: '5', dueAt: null }));
  });
});
