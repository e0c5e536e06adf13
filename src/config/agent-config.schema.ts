import { hostname } from 'node:os';
import { z } from 'zod';
import { parseIdentityName } from '../access/identity-name';
import { GRANTABLE_ROLES, Role } from '../access/role.enum';
import { isIpAddress, isIpNetwork } from '../validation/ip-network';
import { DEFAULT_ALLOWED_OCCTL_COMMANDS, OCCTL_COMMAND_NAMES } from '../occtl/occtl-command.catalog';

/*
 * The whole configuration, validated once at boot (config/agent-config.loader.ts).
 * Keys are snake_case as an operator writes them in YAML; every object is strict so a
 * mistyped key stops the agent instead of being silently ignored. Defaults suit a
 * Debian ocserv host. docs/configuration.md lists every key; keep the two in step.
 */

const LISTEN_PATTERN = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/;
const LISTEN_EXPECTED = 'expected host:port with a port 0-65535, e.g. 0.0.0.0:9090 or [::]:9090';

const listenAddress = z
  .string()
  .regex(LISTEN_PATTERN, { error: LISTEN_EXPECTED })
  // Only the port range: a value the regex refused is already reported once.
  .refine((value) => {
    const port = LISTEN_PATTERN.exec(value)?.[2];
    return port === undefined || Number(port) <= 65535;
  }, { error: LISTEN_EXPECTED });

const filePath = z.string().min(1, { error: 'expected a non-empty file path' });

const positiveInt = (max: number) =>
  z
    .number()
    .int({ error: 'expected a whole number' })
    .min(1, { error: 'expected a whole number >= 1' })
    .max(max, { error: `expected a whole number <= ${max}` });

const cidr = z.string().refine(isIpNetwork, { error: 'expected an IP network like 10.0.0.0/8 or 2001:db8::/32' });

const ipAddress = z.string().refine(isIpAddress, { error: 'expected an IPv4 or IPv6 address' });

const tlsSchema = z
  .strictObject({
    cert_file: filePath.default('/etc/ocserv-agent/tls/server.crt'),
    key_file: filePath.default('/etc/ocserv-agent/tls/server.key'),
    client_ca_file: filePath.default('/etc/ocserv-agent/tls/ca.crt'),
  })
  .prefault({});

const accessSchema = z
  .strictObject({
    identities: z
      .record(
        z
          .string()
          .min(1, { error: 'expected a certificate CN or SAN value' })
          .superRefine((name, ctx) => {
            const parsed = parseIdentityName(name);
            if (!parsed.ok) ctx.addIssue({ code: 'custom', message: parsed.problem });
          }),
        z.enum(GRANTABLE_ROLES),
      )
      .default({}),
    default_role: z.enum(Role).default(Role.None),
    insecure_role: z.enum(Role).default(Role.Reader),
  })
  .prefault({});

const grpcSchema = z
  .strictObject({
    listen: listenAddress.default('0.0.0.0:9090'),
    insecure: z.boolean().default(false),
    tls: tlsSchema,
    access: accessSchema,
    reflection: z.boolean().default(false),
    max_receive_message_bytes: positiveInt(64 * 1024 * 1024).default(4 * 1024 * 1024),
    shutdown_timeout_ms: positiveInt(300_000).default(10_000),
  })
  .prefault({});

const httpSchema = z
  .strictObject({
    listen: listenAddress.default('127.0.0.1:9091'),
  })
  .prefault({});

const logSchema = z
  .strictObject({
    level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace']).default('info'),
    format: z.enum(['json', 'pretty']).default('json'),
    /** StreamLogs calls open at once for each of agent, ocserv and system; past it a call gets RESOURCE_EXHAUSTED. */
    max_streams_per_source: positiveInt(256).default(16),
  })
  .prefault({});

const sessionSchema = z
  .strictObject({
    ttl_seconds: positiveInt(30 * 24 * 3600).default(24 * 3600),
    max_sessions: positiveInt(10_000_000).default(100_000),
    /** Heap bytes of one session's metadata (docs/operations.md#memory); NotifyConnect over it is refused. */
    max_metadata_bytes: positiveInt(1024 * 1024).default(16 * 1024),
    /** Heap bytes of all sessions' metadata together; a write past it is refused (RESOURCE_EXHAUSTED). */
    max_total_metadata_bytes: positiveInt(16 * 1024 * 1024 * 1024).default(128 * 1024 * 1024),
    cleanup_interval_seconds: positiveInt(24 * 3600).default(60),
    reconcile_interval_seconds: positiveInt(24 * 3600).default(30),
  })
  .prefault({});

const absolutePath = filePath.refine((value) => value.startsWith('/'), { error: 'expected an absolute path' });

const ocservLogSchema = z
  .strictObject({
    source: z.enum(['journald', 'file']).default('journald'),
    unit: z
      .string()
      .regex(/^[A-Za-z0-9@._:-]{1,128}$/, { error: 'expected a systemd unit name' })
      .default('ocserv'),
    file: absolutePath.optional(),
    journalctl_path: absolutePath.default('/usr/bin/journalctl'),
  })
  .prefault({})
  .refine((log) => log.source !== 'file' || log.file !== undefined, {
    error: 'ocserv.log.source is "file" but ocserv.log.file is not set',
    path: ['file'],
  });

const ocservSchema = z
  .strictObject({
    occtl_path: absolutePath.default('/usr/bin/occtl'),
    /** coreutils stdbuf: `occtl show events` block-buffers its output into a pipe without it. */
    stdbuf_path: absolutePath.default('/usr/bin/stdbuf'),
    /** util-linux setpriv: gives `occtl show events` a parent-death signal so it cannot outlive the agent. */
    setpriv_path: absolutePath.default('/usr/bin/setpriv'),
    socket_file: absolutePath.default('/var/run/occtl.socket'),
    command_timeout_ms: positiveInt(300_000).default(10_000),
    max_output_bytes: positiveInt(256 * 1024 * 1024).default(16 * 1024 * 1024),
    max_concurrent_commands: positiveInt(64).default(4),
    config_per_user_dir: absolutePath.default('/etc/ocserv/config-per-user'),
    config_per_group_dir: absolutePath.default('/etc/ocserv/config-per-group'),
    allowed_commands: z
      .array(z.enum(OCCTL_COMMAND_NAMES))
      .refine((names) => !names.includes('show events'), {
        error: '"show events" never ends, so ExecuteCommand cannot run it; the agent follows it itself (ocserv.events)',
      })
      .default([...DEFAULT_ALLOWED_OCCTL_COMMANDS]),
    /** false: sessions come only from NotifyConnect/NotifyDisconnect (development, tests without ocserv). */
    sync_sessions: z.boolean().default(true),
    events: z.boolean().default(true),
    log: ocservLogSchema,
  })
  .prefault({});

const staticDecisionSchema = z
  .strictObject({
    allowed: z.boolean().default(false),
    deny_reason: z.string().max(256).default('connections are not allowed by the agent configuration'),
    routes: z.array(cidr).max(1024).default([]),
    dns_servers: z.array(ipAddress).max(16).default([]),
  })
  .prefault({});

const decisionCacheSchema = z
  .strictObject({
    enabled: z.boolean().default(true),
    /** A decision this young answers without asking the portal. */
    fresh_ttl_seconds: positiveInt(24 * 3600).default(5 * 60),
    /** Kept this long for fail_mode "stale"; never served while the portal answers. */
    stale_ttl_seconds: positiveInt(7 * 24 * 3600).default(30 * 60),
    max_entries: positiveInt(10_000_000).default(100_000),
    /** Estimated heap bytes of every cached decision together (docs/operations.md#memory); the least recently used go first. */
    max_bytes: positiveInt(16 * 1024 * 1024 * 1024).default(128 * 1024 * 1024),
  })
  .prefault({})
  .refine((cache) => cache.stale_ttl_seconds >= cache.fresh_ttl_seconds, {
    error: 'authorization.cache.stale_ttl_seconds must be >= fresh_ttl_seconds',
    path: ['stale_ttl_seconds'],
  });

const localPolicySchema = z
  .strictObject({
    policy_file: absolutePath.default('/etc/ocserv-agent/policy.yaml'),
  })
  .prefault({});

const authorizationSchema = z
  .strictObject({
    /**
     * static: one configured answer; local: a policy file on this host;
     * portal: AuthService.CheckPolicy behind the breaker, cache and fail mode.
     */
    mode: z.enum(['static', 'local', 'portal']).default('static'),
    /** What decides when the portal fails, times out or the breaker is open. */
    fail_mode: z.enum(['close', 'open', 'stale']).default('close'),
    /** The budget for one decision when the caller states none; a hook request brings its own (budget_ms). */
    decision_timeout_ms: positiveInt(60_000).default(2_000),
    static: staticDecisionSchema,
    local: localPolicySchema,
    cache: decisionCacheSchema,
  })
  .prefault({});

const portalTlsSchema = z
  .strictObject({
    cert_file: filePath.default('/etc/ocserv-agent/tls/portal-client.crt'),
    key_file: filePath.default('/etc/ocserv-agent/tls/portal-client.key'),
    ca_file: filePath.default('/etc/ocserv-agent/tls/portal-ca.crt'),
    /** Name to verify in the portal's certificate when it differs from the address host. */
    server_name: z.string().regex(/^[A-Za-z0-9.-]{1,253}$/, { error: 'expected a DNS name' }).optional(),
  })
  .prefault({});

const breakerSchema = z
  .strictObject({
    /** Percentage of failed calls in the rolling window that opens the breaker. */
    error_threshold_percent: positiveInt(100).default(50),
    /** Calls in the rolling window before the breaker may open at all. */
    volume_threshold: positiveInt(100_000).default(5),
    /** How long the breaker stays open before one trial call. */
    reset_timeout_ms: positiveInt(3_600_000).default(10_000),
    rolling_window_ms: positiveInt(3_600_000).default(10_000),
  })
  .prefault({});

const portalSchema = z
  .strictObject({
    /** host:port of the portal's gRPC API (AuthService, EventService). Required for authorization.mode "portal". */
    address: listenAddress.optional(),
    insecure: z.boolean().default(false),
    tls: portalTlsSchema,
    /** Deadline of one CheckPolicy call (also the breaker's call timeout). */
    call_timeout_ms: positiveInt(60_000).default(1_500),
    /** CheckPolicy calls on the wire at once; more wait in the agent's queue (100: a common HTTP/2 stream limit). */
    max_concurrent_calls: positiveInt(10_000).default(100),
    /** Calls that may wait for a slot; beyond it the fail mode decides at once. */
    max_queued_calls: positiveInt(1_000_000).default(4_096),
    /** Estimated heap bytes of the waiting calls together (docs/operations.md#memory). */
    max_queued_bytes: positiveInt(1024 * 1024 * 1024).default(4 * 1024 * 1024),
    reconnect_backoff_initial_ms: positiveInt(60_000).default(200),
    reconnect_backoff_max_ms: positiveInt(300_000).default(5_000),
    breaker: breakerSchema,
  })
  .prefault({});

const ipcSchema = z
  .strictObject({
    /** The Unix socket the connect-script hook talks to. */
    enabled: z.boolean().default(true),
    socket_path: absolutePath.default('/run/ocserv-agent/hook.sock'),
    /** Group owning the socket (mode 0660); a name from /etc/group or a numeric gid. Empty: the agent's group. */
    socket_group: z.string().regex(/^[A-Za-z0-9._-]{0,64}$/, { error: 'expected a group name or gid' }).default(''),
    /** A request larger than this is refused unread (both framings). */
    max_request_bytes: positiveInt(1024 * 1024).default(64 * 1024),
    /** A connection must deliver a whole request within this; slower clients are cut off. */
    request_timeout_ms: positiveInt(60_000).default(2_000),
    max_connections: positiveInt(16_384).default(2_048),
  })
  .prefault({});

/** A file mode as an operator writes it: "0640" (octal digits only, no setuid/setgid/sticky bits). */
const fileMode = z
  .string()
  .regex(/^0?[0-7]{3}$/, { error: 'expected an octal file mode like "0640"' })
  .transform((value) => parseInt(value, 8));

/** A user or group: a name from /etc/passwd or /etc/group, or a number; empty keeps the agent's own. */
const ownerName = z.string().regex(/^[A-Za-z0-9._-]{0,64}$/, { error: 'expected a name or a numeric id' });

const userConfigSchema = z
  .strictObject({
    /** Mode of the per-user and per-group files the agent writes (ocserv reads them as root). */
    file_mode: fileMode.prefault('0640'),
    owner: ownerName.default(''),
    group: ownerName.default(''),
    /** Backups kept per file in <dir>/.backups; the oldest go first. */
    backup_retention: positiveInt(1000).default(10),
    /** A rendered file larger than this is refused; an existing larger file is not read. */
    max_file_bytes: positiveInt(16 * 1024 * 1024).default(256 * 1024),
    /** UpdateUserRoutes reload_if_connected: how long to wait for the user's new session (user_reconnected). */
    reconnect_wait_ms: positiveInt(600_000).default(15_000),
    /** Write routes and DNS from the portal's CheckPolicy answers into the user's file when they differ. */
    apply_portal_routes: z.boolean().default(true),
  })
  .prefault({});

const mainConfigSchema = z
  .strictObject({
    /** UpdateConfig MAIN (ocserv.conf) is refused unless this is true. */
    allow_updates: z.boolean().default(false),
    path: absolutePath.default('/etc/ocserv/ocserv.conf'),
    /** The ocserv binary whose --test-config checks a candidate. */
    ocserv_path: absolutePath.default('/usr/sbin/ocserv'),
    test_timeout_ms: positiveInt(120_000).default(10_000),
    /** After occtl reload: ocserv must still answer occtl this long, or the previous file is put back. */
    reload_settle_ms: positiveInt(60_000).default(2_000),
    max_file_bytes: positiveInt(16 * 1024 * 1024).default(1024 * 1024),
  })
  .prefault({});

const eventsSchema = z
  .strictObject({
    /** Report session connects, disconnects and usage to the portal's EventService (portal.* connection settings). */
    enabled: z.boolean().default(false),
    /** The durable outbox (SQLite, WAL). Its directory must exist and be writable by the agent. */
    outbox_path: absolutePath.default('/var/lib/ocserv-agent/events.db'),
    /** Payload bytes the outbox may hold; when full, usage updates go first (docs/events.md). */
    max_outbox_bytes: positiveInt(16 * 1024 * 1024 * 1024).default(64 * 1024 * 1024),
    /**
     * normal: a commit survives an agent crash (kill -9), not a power loss; full: an fsync per
     * commit, survives both, costs the hook's answer one fsync per login.
     */
    synchronous: z.enum(['normal', 'full']).default('normal'),
    /** ReportSessionUpdate for every live session this often; 0: never. */
    update_interval_seconds: z.number().int().min(0).max(86_400).default(300),
    /** A disconnect waits this long for ocserv's other report of the same end (reason or counters) before it is sent. */
    disconnect_settle_ms: positiveInt(60_000).default(1_500),
    /** Deadline of one EventService call. */
    call_timeout_ms: positiveInt(60_000).default(5_000),
    /** EventService calls on the wire at once (sessions are delivered in parallel, each session in order). */
    max_in_flight: positiveInt(1_024).default(64),
    retry_initial_ms: positiveInt(60_000).default(500),
    retry_max_ms: positiveInt(3_600_000).default(15_000),
  })
  .prefault({});

const revalidationAction = z.enum(['keep', 'disconnect']);

const revalidationSchema = z
  .strictObject({
    /** Ask AuthService.ValidateSession for every live session on an interval; invalid ones are ended. */
    enabled: z.boolean().default(false),
    interval_seconds: positiveInt(86_400).default(300),
    /** ValidateSession calls on the wire at once. */
    max_concurrent: positiveInt(256).default(8),
    /** Deadline of one ValidateSession call. */
    call_timeout_ms: positiveInt(60_000).default(3_000),
    /** When the portal cannot be asked (down, breaker open), per authorization.fail_mode: keep the session or end it. */
    when_portal_unavailable: z
      .strictObject({
        close: revalidationAction.default('keep'),
        open: revalidationAction.default('keep'),
        stale: revalidationAction.default('keep'),
      })
      .prefault({}),
  })
  .prefault({});

export const agentConfigSchema = z
  .strictObject({
    agent: z
      .strictObject({
        id: z
          .string()
          .regex(/^[A-Za-z0-9._-]{1,128}$/, { error: 'expected 1-128 characters of A-Z a-z 0-9 . _ -' })
          .default(() => hostname()),
      })
      .prefault({}),
    grpc: grpcSchema,
    http: httpSchema,
    log: logSchema,
    session: sessionSchema,
    ocserv: ocservSchema,
    authorization: authorizationSchema,
    portal: portalSchema,
    ipc: ipcSchema,
    user_config: userConfigSchema,
    main_config: mainConfigSchema,
    events: eventsSchema,
    revalidation: revalidationSchema,
  })
  .prefault({})
  .refine((config) => config.authorization.mode !== 'portal' || config.portal.address !== undefined, {
    error: 'authorization.mode is "portal" but portal.address is not set',
    path: ['portal', 'address'],
  })
  .refine((config) => !config.events.enabled || config.portal.address !== undefined, {
    error: 'events.enabled is true but portal.address is not set',
    path: ['portal', 'address'],
  })
  .refine((config) => !config.revalidation.enabled || config.portal.address !== undefined, {
    error: 'revalidation.enabled is true but portal.address is not set',
    path: ['portal', 'address'],
  })
  .refine((config) => config.portal.call_timeout_ms <= config.authorization.decision_timeout_ms, {
    error: 'portal.call_timeout_ms must be <= authorization.decision_timeout_ms, or the fail mode could never decide in time',
    path: ['portal', 'call_timeout_ms'],
  });

export type AgentConfig = z.output<typeof agentConfigSchema>;
export type GrpcConfig = AgentConfig['grpc'];
export type AccessConfig = GrpcConfig['access'];
export type OcservConfig = AgentConfig['ocserv'];
export type AuthorizationConfig = AgentConfig['authorization'];
export type PortalConfig = AgentConfig['portal'];
export type IpcConfig = AgentConfig['ipc'];
export type UserConfigConfig = AgentConfig['user_config'];
export type MainConfigConfig = AgentConfig['main_config'];
export type EventsConfig = AgentConfig['events'];
export type RevalidationConfig = AgentConfig['revalidation'];
