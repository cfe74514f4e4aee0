// Jest runs the TypeScript sources as ESM through @swc/jest (decorator metadata on, so Nest's
// injection by type works). Unit tests (*.spec.ts) sit beside the code and do no I/O; integration
// tests (test/**/*.test.ts) talk to the real Postgres, NATS and a per-file anvil.
const swc = [
  '@swc/jest',
  {
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
      target: 'es2022',
      keepClassNames: true,
    },
    module: { type: 'es6' },
  },
];
/**
 * ESM-only packages that CommonJS packages under Nest's Fastify adapter require (Node 20 loads
 * them, require(esm); Jest's module system does not): Jest gets them as CommonJS. A dependency
 * update that adds one fails a suite with "Must use import to load ES Module: <path>"; add it here.
 */
const requiredEsm = ['@fastify/middie/node_modules/path-to-regexp', '@fastify/static/node_modules/content-disposition', 'light-my-request/node_modules/cookie'];
const requiredEsmPath = `/node_modules/(${requiredEsm.join('|')})/`;
const swcCommonJs = ['@swc/jest', { jsc: { parser: { syntax: 'ecmascript' }, target: 'es2022' }, module: { type: 'commonjs' } }];
const shared = {
  extensionsToTreatAsEsm: ['.ts'],
  transform: { [`${requiredEsmPath}.+\\.js$`]: swcCommonJs, '^.+\\.ts$': swc },
  transformIgnorePatterns: [`^(?!.*${requiredEsmPath}).*/node_modules/`],
  moduleNameMapper: {
    '^#common$': '<rootDir>/libs/common/src/index.ts',
    '^#chain-adapter$': '<rootDir>/libs/chain-adapter/src/index.ts',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  testEnvironment: 'node',
};
export default {
  projects: [
    { ...shared, displayName: 'unit', testMatch: ['<rootDir>/{apps,libs,scripts}/**/*.spec.ts'] },
    {
      ...shared,
      displayName: 'integration',
      testMatch: ['<rootDir>/{apps,libs,test}/**/test/**/*.test.ts', '<rootDir>/test/**/*.test.ts'],
    },
  ],
  maxWorkers: 2,
  // Integration hooks boot services and chains; unit tests finish in milliseconds anyway.
  testTimeout: 120000,
};
