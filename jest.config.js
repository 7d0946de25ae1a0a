// Two projects: unit tests (pure, fast, run in parallel) and e2e tests (real PostgreSQL and Redis,
// each test file in a database of its own, run in band so the 2-core machines are not oversubscribed).
const { pathsToModuleNameMapper } = require('ts-jest');
require('node:fs').mkdirSync(require('node:path').join(__dirname, '.test-results'), { recursive: true }); // JSON reports for .ci/run
const { compilerOptions } = require('./tsconfig.json');

const common = {
  moduleFileExtensions: ['js', 'json', 'ts'],
  rootDir: __dirname,
  testEnvironment: 'node',
  // transpile only: `npm run typecheck` does the type checking once, for the whole tree
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.jest.json', diagnostics: false }] },
  moduleNameMapper: pathsToModuleNameMapper(compilerOptions.paths, { prefix: '<rootDir>/' }),
};

module.exports = {
  testTimeout: 120000,
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/{apps,libs,tools}/**/*.spec.ts'] },
    {
      ...common,
      displayName: 'e2e',
      testMatch: ['<rootDir>/{test,libs,apps}/**/*.e2e-spec.ts'],
    },
  ],
};
