// A batch the chain does not mine in time (here: anvil stops mining, so it stays in the pool) is
// signed again with its nonce and higher fees and sent again; when mining resumes, the replacement
// is the one recorded, the first sending never is, and the payment is recorded once.
import '../../../test/support/isolation.js';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { ChainClient, Submitter, operationIdOf, readCreditLine } from '#chain-adapter';
import { startStack, type Organisation, type Stack } from '../../../test/support/stack.js';
import { until } from '../../../test/support/until.js';

const REPLACE_AFTER_MS = 1_500;

let stack: Stack;
let acme: Organisation;
let lineId: string;

beforeAll(async () => {
  stack = await startStack('stuck-tx', ['credit', 'payment'], { SUBMIT_REPLACE_AFTER_MS: String(REPLACE_AFTER_MS), SUBMIT_RECEIPT_TIMEOUT_MS: '60000', REQUEST_TIMEOUT_MS: '2000' });
  acme = await stack.anOrganisation('acme-pay');
  lineId = await stack.aCreditLine(acme, await stack.anOrganisation('beta-pay'));
});

afterAll(async () => {
  await stack?.close();
});

it('replaces a batch not mined in time with the same nonce and higher fees; the payment is recorded once', async () => {
  const payment = stack.apps.payment!;
  const chain = payment.get(ChainClient);
  const dataSource = payment.get(DataSource);
  const operationId = operationIdOf('acme-pay', 'stuck-1');
  const txHashOf = async () =>
    ((await dataSource.query('SELECT tx_hash FROM outbox WHERE operation_id = $1', [operationId])) as Array<{ tx_hash: string | null }>)[0]?.tx_hash ?? undefined;
  const usedBefore = (await readCreditLine(chain, lineId)).used;

  await chain.provider.send('evm_setAutomine', [false]);
  try {
    const pay = () => request(stack.urls.payment!).post('/v1/payments').set('Authorization', acme.auth).set('Idempotency-Key', 'stuck-1').send({ kind: 'CREDIT', lineId, amount: '10' });
    const accepted = await pay();
    expect(accepted.status).toBe(202); // not mined within REQUEST_TIMEOUT_MS: accepted, still to be recorded
    const first = await until('the batch to be sent', txHashOf);
    const sentFirst = await chain.provider.send('eth_getTransactionByHash', [first]);
    const replacement = await until('the batch to be replaced', async () => {
      const hash = await txHashOf();
      return hash && hash !== first ? hash : undefined;
    });
    const sentAgain = await chain.provider.send('eth_getTransactionByHash', [replacement]);
    expect(sentAgain.nonce).toBe(sentFirst.nonce);
    expect(sentAgain.input).toBe(sentFirst.input);
    expect(BigInt(sentAgain.maxFeePerGas)).toBeGreaterThanOrEqual((BigInt(sentFirst.maxFeePerGas) * 1125n) / 1000n);
    expect(BigInt(sentAgain.maxPriorityFeePerGas)).toBeGreaterThan(BigInt(sentFirst.maxPriorityFeePerGas));

    await chain.provider.send('evm_mine', []);
    const recorded = await until('the payment to be recorded', async () => {
      const answer = await pay();
      return answer.status === 201 ? answer : undefined;
    });
    expect(recorded.body.id).toBe(operationId);
    const mined = (await txHashOf())!;
    expect(recorded.body.chain.txHash).toBe(mined);
    // One sending of the batch was mined (a later replacement, if the node was slow to mine): the
    // others never can be, they share its nonce.
    expect((await chain.provider.send('eth_getTransactionByHash', [mined])).nonce).toBe(sentFirst.nonce);
    const receipts = await Promise.all([...new Set([first, replacement, mined])].map((hash) => chain.provider.getTransactionReceipt(hash)));
    expect(receipts.filter((receipt) => receipt !== null)).toHaveLength(1);
    expect((await readCreditLine(chain, lineId)).used).toBe(usedBefore + 10n);
    const metrics = await request(stack.urls.payment!).get('/metrics');
    const replacements = Number(/^tally_submitter_replacements_total (\d+)$/m.exec(metrics.text)?.[1]);
    expect(replacements).toBeGreaterThanOrEqual(1);
  } finally {
    await chain.provider.send('evm_setAutomine', [true]);
  }
});

it('sends again an operation whose transaction was mined without recording it (a refusal it could not match to its row)', async () => {
  // A replaced batch whose earlier sending was the one mined: its refusals name a hash the rows no
  // longer carry. Recovery sees the row's transaction mined and the operation not recorded on
  // chain, and reopens it, so it is sent again and finalised from a transaction it can match.
  const payment = stack.apps.payment!;
  const chain = payment.get(ChainClient);
  const dataSource = payment.get(DataSource);
  const submitter = payment.get(Submitter);
  const mined = await chain.provider.send('eth_getBlockByNumber', ['latest', false]);
  const minedTx = (mined.transactions as string[])[0];
  expect(minedTx).toBeDefined();
  const operationId = `0x${'5e'.repeat(32)}`;
  await submitter.stop(); // this test plays its part
  try {
    await dataSource.query(
      `INSERT INTO outbox (operation_id, kind, contract, calldata, org_id, request_hash, resource_id, status, tx_hash, updated_at)
       VALUES ($1, 'payment.credit', 'CreditLedger', '0x', 'acme-pay', '0x', $1, 'SUBMITTED', $2, now() - interval '1 hour')`,
      [operationId, minedTx],
    );
    await submitter.recover(new Date(Date.now() - 60_000));
    const [row] = (await dataSource.query('SELECT status, tx_hash FROM outbox WHERE operation_id = $1', [operationId])) as Array<{ status: string; tx_hash: string | null }>;
    expect(row).toEqual({ status: 'PENDING', tx_hash: null });
  } finally {
    await dataSource.query('DELETE FROM outbox WHERE operation_id = $1', [operationId]);
    await submitter.start();
  }
});
