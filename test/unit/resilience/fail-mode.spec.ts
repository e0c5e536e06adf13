import { failModeDecision } from '../../../src/resilience/fail-mode';
import { aDenyVerdict, anAllowVerdict } from '../builders/policy-verdict.builder';

const WHY = 'portal CheckPolicy failed: UNAVAILABLE: No connection established. Last error: connect ECONNREFUSED 127.0.0.1:50051';
const OUTAGE = { reason: 'portal unreachable', detail: WHY };

describe(failModeDecision.name, () => {
  describe('open', () => {
    it('allows with no routes of its own, saying the portal failed', () => {
      expect(failModeDecision('open', OUTAGE, undefined)).toEqual({
        allowed: true,
        source: 'fail-open',
        shouldDisconnect: false,
        denyReason: '',
        routes: [],
        dnsServers: [],
        configParams: {},
        portalFailure: WHY,
      });
    });

    it('ignores a stale decision', () => {
      expect(failModeDecision('open', OUTAGE, aDenyVerdict())).toMatchObject({ allowed: true, source: 'fail-open' });
    });
  });

  describe('close', () => {
    it('denies, naming the failure in the reason', () => {
      const decision = failModeDecision('close', OUTAGE, undefined);

      expect(decision).toMatchObject({ allowed: false, source: 'fail-close', shouldDisconnect: false, portalFailure: WHY });
      expect(decision.denyReason).toBe('portal unreachable; fail mode close');
    });

    it('ignores a stale decision', () => {
      expect(failModeDecision('close', OUTAGE, anAllowVerdict())).toMatchObject({ allowed: false, source: 'fail-close' });
    });
  });

  describe('stale', () => {
    it('answers with the stale decision, its routes and metadata included', () => {
      const stale = anAllowVerdict({ routes: ['10.20.0.0/16'], metadata: { profile: 'staff' } });

      expect(failModeDecision('stale', OUTAGE, stale)).toEqual({
        allowed: true,
        source: 'stale',
        shouldDisconnect: false,
        denyReason: '',
        routes: ['10.20.0.0/16'],
        dnsServers: ['10.10.0.53'],
        configParams: { profile: 'staff' },
        portalFailure: WHY,
      });
    });

    it('keeps a stale deny a deny', () => {
      const decision = failModeDecision('stale', OUTAGE, aDenyVerdict('account suspended'));

      expect(decision).toMatchObject({ allowed: false, source: 'stale', denyReason: 'account suspended', portalFailure: WHY });
    });

    it('denies when there is no stale decision, saying so', () => {
      const decision = failModeDecision('stale', OUTAGE, undefined);

      expect(decision).toMatchObject({ allowed: false, source: 'fail-close', portalFailure: WHY });
      expect(decision.denyReason).toBe('portal unreachable; fail mode stale, no decision within the stale window');
    });
  });
});
