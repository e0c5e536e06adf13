/** Two projects: `unit` (test/: unit and in-process integration) and `e2e` (e2e/: the built agent as a process). */
// Type checking is `npm run typecheck`; jest only transpiles (isolatedModules in tsconfig.json), which keeps it fast.
const tsJest = ['ts-jest', { tsconfig: 'tsconfig.json', diagnostics: false }];

module.exports = {
  projects: [
    {
      displayName: 'unit',
      testEnvironment: 'node',
      rootDir: __dirname,
      testMatch: ['<rootDir>/test/**/*.spec.ts'],
      transform: { '^.+\\.ts$': tsJest },
    },
    {
      displayName: 'e2e',
      testEnvironment: 'node',
      rootDir: __dirname,
      testMatch: ['<rootDir>/e2e/**/*.e2e-spec.ts'],
      transform: { '^.+\\.ts$': tsJest },
      setupFilesAfterEnv: ['<rootDir>/e2e/support/jest.setup.ts'],
    },
  ],
};
