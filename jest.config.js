// One jest run over every package. Tests are TypeScript, transformed by swc
// (type-checking happens separately in `tsc -p tsconfig.tests.json`).
// Plugins import the core as `threatbus`, which resolves through the npm
// workspace symlink to packages/threatbus/dist: plugins are tested against the
// built core, exactly as they will run once published.
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  // examples/ (the README's tour) and tools/ (the packaging test) have tests too.
  roots: ['<rootDir>/packages', '<rootDir>/apps', '<rootDir>/examples', '<rootDir>/tools'],
  testMatch: ['**/test/**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022', parser: { syntax: 'typescript' } }, module: { type: 'commonjs' } }],
  },
  moduleFileExtensions: ['ts', 'js', 'json'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  modulePathIgnorePatterns: ['<rootDir>/packages/[^/]+/dist/package.json', '<rootDir>/apps/[^/]+/dist/package.json'],
  reporters: ['default', '<rootDir>/tools/summary-reporter.js'],
  testTimeout: 30000,
  // Sockets and child processes must be closed by each test; this makes a leak visible.
  openHandlesTimeout: 2000,
};
