// The migrations of the tables every service has (event outbox, processed messages, API keys), in
// order; a service's own come after them and the chain adapter's.
import { CommonTables1764000000001 } from './common.migration.js';
import { EventEnvelopeJson1764000000004 } from './event-envelope-json.migration.js';
import { EventOutboxOffChain1764000000006 } from './event-outbox-off-chain.migration.js';
import { EventOutboxText1764000000008 } from './event-outbox-text.migration.js';

export const commonMigrations = [CommonTables1764000000001, EventEnvelopeJson1764000000004, EventOutboxOffChain1764000000006, EventOutboxText1764000000008];
