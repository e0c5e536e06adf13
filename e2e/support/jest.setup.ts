// Process-level suites start real agents (~1 s each); jest's project config has no per-project testTimeout.
jest.setTimeout(60_000);
