// Imported first by every integration harness: gives the test file its own NATS namespace and
// stream before any Tally module reads them (the subject catalogue reads them once, at import).
import { randomBytes } from 'node:crypto';

const suffix = randomBytes(4).toString('hex');
export const testNamespace = `t${suffix}`;
export const testStream = `TALLY_TEST_${suffix.toUpperCase()}`;
process.env.NATS_NAMESPACE = testNamespace;
process.env.NATS_STREAM = testStream;
