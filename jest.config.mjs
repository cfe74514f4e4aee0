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
const shared = {
  extensionsToTreatAsEsm: ['.ts'],
  transform: { '^.+\\.ts$': swc },
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
