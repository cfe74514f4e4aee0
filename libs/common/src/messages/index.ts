export * from './subjects.js';
export * from './envelope.js';
export * from './registration.messages.js';
export * from './credit.messages.js';
export * from './payment.messages.js';
export * from './settlement.messages.js';
