import { Role } from '../../../src/access/role.enum';
import { agentConfigSchema } from '../../../src/config/agent-config.schema';

function accepts(input: unknown): boolean {
  return agentConfigSchema.safeParse(input).success;
}

describe('agentConfigSchema', () => {
  it('fills every section with its default from an empty document', () => {
    const sut = agentConfigSchema.parse({});

    expect(sut).toMatchObject({
      grpc: {
        listen: '0.0.0.0:9090',
        insecure: false,
        tls: {
          cert_file: '/etc/ocserv-agent/tls/server.crt',
          key_file: '/etc/ocserv-agent/tls/server.key',
          client_ca_file: '/etc/ocserv-agent/tls/ca.crt',
        },
        access: { identities: {}, default_role: Role.None, insecure_role: Role.Reader },
        reflection: false,
        max_receive_message_bytes: 4 * 1024 * 1024,
        shutdown_timeout_ms: 10_000,
      },
      http: { listen: '127.0.0.1:9091' },
      log: { level: 'info', format: 'json' },
      session: { ttl_seconds: 86_400, max_sessions: 100_000, cleanup_interval_seconds: 60 },
      authorization: { mode: 'static', static: { allowed: false, routes: [], dns_servers: [] } },
    });
  });

  it('defaults agent.id to a valid identifier', () => {
    expect(agentConfigSchema.parse({}).agent.id).toMatch(/^[A-Za-z0-9._-]{1,128}$/);
  });

  describe('listen addresses', () => {
    it.each(['0.0.0.0:9090', '[::]:9090', '[::1]:0', 'localhost:65535', 'agent.example.com:443'])('accepts %j', (listen) => {
      expect(accepts({ grpc: { listen } })).toBe(true);
    });

    it.each(['0.0.0.0:65536', '0.0.0.0:70000', '0.0.0.0', ':9090', '0.0.0.0:', '::1:9090', '0.0.0.0:123456', 'host name:1'])(
      'refuses %j',
      (listen) => {
        expect(accepts({ grpc: { listen } })).toBe(false);
      },
    );
  });

  describe('authorization.static', () => {
    it.each(['10.0.0.0/8', '192.0.2.1', '2001:db8::/32', '::/0'])('accepts the route %j', (route) => {
      expect(accepts({ authorization: { static: { routes: [route] } } })).toBe(true);
    });

    it.each(['10.0.0.0/33', '2001:db8::/129', '10.0.0.0/8/8', '10.0.0.0/x', 'example.com/24', '10.0.0.0/'])(
      'refuses the route %j',
      (route) => {
        expect(accepts({ authorization: { static: { routes: [route] } } })).toBe(false);
      },
    );

    it('refuses a DNS server that is a hostname', () => {
      expect(accepts({ authorization: { static: { dns_servers: ['dns.example.com'] } } })).toBe(false);
    });
  });

  it.each([
    ['a fractional session TTL', { session: { ttl_seconds: 1.5 } }],
    ['a session TTL above 30 days', { session: { ttl_seconds: 30 * 24 * 3600 + 1 } }],
    ['a zero cleanup interval', { session: { cleanup_interval_seconds: 0 } }],
    ['an agent id with a slash', { agent: { id: 'a/b' } }],
    ['granting "none" to an identity', { grpc: { access: { identities: { x: 'none' } } } }],
    ['an unknown authorization mode', { authorization: { mode: 'portal' } }],
  ])('refuses %s', (_, input) => {
    expect(accepts(input)).toBe(false);
  });
});
