/** Where the config file is looked for when neither --config nor OCSERV_AGENT_CONFIG says. */
export const DEFAULT_CONFIG_PATH = '/etc/ocserv-agent/agent.yaml';

export const CONFIG_PATH_ENV = 'OCSERV_AGENT_CONFIG';

/** Every variable the agent reads starts with this; an unknown one is an error, not a silent no-op. */
export const ENV_PREFIX = 'OCSERV_AGENT_';

/**
 * Environment variables that override paths and secrets in the file (container and
 * systemd credentials use). Each maps to one config key, written as a dotted path.
 */
export const ENV_OVERRIDES: Readonly<Record<string, readonly string[]>> = {
  OCSERV_AGENT_GRPC_TLS_CERT_FILE: ['grpc', 'tls', 'cert_file'],
  OCSERV_AGENT_GRPC_TLS_KEY_FILE: ['grpc', 'tls', 'key_file'],
  OCSERV_AGENT_GRPC_TLS_CLIENT_CA_FILE: ['grpc', 'tls', 'client_ca_file'],
};
