import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { checkProtoContract } from './proto-contract.checker';
import { parseWireContract } from './wire-contract.parser';

const REPO_PROTO_ROOT = path.resolve(__dirname, '../../proto');
const contract = parseWireContract(fs.readFileSync(path.join(__dirname, 'wire-contract.md'), 'utf8'));

/** A scratch copy of proto/ to mutate; removed after each test. */
class ScratchProtos {
  readonly root = fs.mkdtempSync(path.join(os.tmpdir(), 'proto-contract-'));

  constructor() {
    fs.cpSync(REPO_PROTO_ROOT, this.root, { recursive: true });
  }

  /** Replaces exactly one occurrence, so a stale pattern fails the test instead of mutating nothing. */
  replaceOnce(file: string, from: string, to: string): this {
    const filePath = path.join(this.root, file);
    const text = fs.readFileSync(filePath, 'utf8');
    const occurrences = text.split(from).length - 1;
    if (occurrences !== 1) throw new Error(`expected ${JSON.stringify(from)} once in ${file}, found ${occurrences}`);
    fs.writeFileSync(filePath, text.replace(from, to));
    return this;
  }

  remove(): void {
    fs.rmSync(this.root, { recursive: true, force: true });
  }
}

const AGENT = 'agent/v1/agent.proto';
const CONFIG = 'vpn/v1/config.proto';
const EVENTS = 'vpn/v1/events.proto';

describe(checkProtoContract.name, () => {
  let protos: ScratchProtos;

  beforeEach(() => {
    protos = new ScratchProtos();
  });

  afterEach(() => {
    protos.remove();
  });

  function sut(): string[] {
    return checkProtoContract(protos.root, contract);
  }

  it('reports nothing for an unchanged copy', () => {
    expect(sut()).toEqual([]);
  });

  it('reports a renumbered field', () => {
    protos.replaceOnce(AGENT, 'string device_id = 5;', 'string device_id = 15;');
    expect(sut()).toEqual(['field agent.v1.NotifyConnectRequest.device_id: number is 15, the contract says 5']);
  });

  it('reports a retyped field', () => {
    protos.replaceOnce(AGENT, 'uint64 bytes_in = 5;', 'int64 bytes_in = 5;');
    expect(sut()).toEqual(['field agent.v1.NotifyDisconnectRequest.bytes_in: type is int64, the contract says uint64']);
  });

  it('reports a field retyped to the same-named enum of another package', () => {
    protos
      .replaceOnce(CONFIG, 'import "google/protobuf/timestamp.proto";', 'import "google/protobuf/timestamp.proto";\nimport "agent/v1/agent.proto";')
      .replaceOnce(CONFIG, '  ConfigType config_type = 1;', '  agent.v1.ConfigType config_type = 1;');
    expect(sut()).toEqual([
      'field vpn.v1.SyncRoutesRequest.config_type: type is agent.v1.ConfigType, the contract says vpn.v1.ConfigType',
    ]);
  });

  it('reports a renamed field as missing, naming what holds its number now', () => {
    protos.replaceOnce(AGENT, 'bool acknowledged = 1;', 'bool acked = 1;');
    expect(sut()).toEqual(['missing field agent.v1.NotifyDisconnectResponse.acknowledged = 1 (number 1 is now "acked")']);
  });

  it('reports a field that lost its repeated label', () => {
    protos.replaceOnce(EVENTS, 'repeated string updated_routes = 3;', 'string updated_routes = 3;');
    expect(sut()).toEqual(['field vpn.v1.ReportConnectResponse.updated_routes: label is singular, the contract says repeated']);
  });

  it('reports a map turned into a plain field', () => {
    protos.replaceOnce(AGENT, 'map<string, string> custom_metrics = 3;', 'string custom_metrics = 3;');
    expect(sut()).toEqual(['field agent.v1.MetricsReport.custom_metrics: label is singular, the contract says map<string, _>']);
  });

  it('reports a removed rpc', () => {
    protos.replaceOnce(AGENT, '  rpc DisconnectUser(DisconnectUserRequest) returns (DisconnectUserResponse);\n', '');
    expect(sut()).toEqual(['missing rpc agent.v1.VPNAgentService.DisconnectUser']);
  });

  it('reports a changed streaming flag', () => {
    protos.replaceOnce(AGENT, 'returns (stream LogEntry);', 'returns (LogEntry);');
    expect(sut()).toEqual([
      'rpc agent.v1.AgentService.StreamLogs: response is "agent.v1.LogEntry", the contract says "stream agent.v1.LogEntry"',
    ]);
  });

  it('reports an rpc taking another request type', () => {
    protos.replaceOnce(AGENT, 'rpc HealthCheck(HealthCheckRequest)', 'rpc HealthCheck(CommandRequest)');
    expect(sut()).toEqual([
      'rpc agent.v1.AgentService.HealthCheck: request is "agent.v1.CommandRequest", the contract says "agent.v1.HealthCheckRequest"',
    ]);
  });

  it('reports a renumbered enum value', () => {
    protos.replaceOnce(EVENTS, 'DISCONNECT_REASON_IDLE_TIMEOUT = 3;', 'DISCONNECT_REASON_IDLE_TIMEOUT = 9;');
    expect(sut()).toEqual(['enum value vpn.v1.DisconnectReason.DISCONNECT_REASON_IDLE_TIMEOUT: number is 9, the contract says 3']);
  });

  it('reports a removed enum value', () => {
    protos.replaceOnce(CONFIG, '  ROUTE_SOURCE_DYNAMIC = 4;\n', '');
    expect(sut()).toEqual(['missing enum value vpn.v1.RouteSource.ROUTE_SOURCE_DYNAMIC = 4']);
  });

  it('reports a field moved out of its oneof', () => {
    protos.replaceOnce(AGENT, '    EventNotification event = 12;\n  }', '  }\n  EventNotification event = 12;');
    expect(sut()).toEqual(['field agent.v1.AgentMessage.event: oneof is none, the contract says payload']);
  });

  it('reports a renamed message', () => {
    protos
      .replaceOnce(EVENTS, 'message ReportDisconnectResponse {', 'message DisconnectReported {')
      .replaceOnce(EVENTS, 'returns (ReportDisconnectResponse)', 'returns (DisconnectReported)');
    expect(sut()).toEqual([
      'rpc vpn.v1.EventService.ReportDisconnect: response is "vpn.v1.DisconnectReported", the contract says "vpn.v1.ReportDisconnectResponse"',
      'missing message vpn.v1.ReportDisconnectResponse',
    ]);
  });

  it('allows an added field with a new number', () => {
    protos.replaceOnce(AGENT, '  map<string, string> metadata = 7;\n', '  map<string, string> metadata = 7;\n  string site = 8;\n');
    expect(sut()).toEqual([]);
  });

  it('allows an added rpc', () => {
    protos.replaceOnce(AGENT, 'service AgentService {\n', 'service AgentService {\n  rpc Ping(HealthCheckRequest) returns (HealthCheckResponse);\n');
    expect(sut()).toEqual([]);
  });

  it('allows an added message, enum value and service', () => {
    protos
      .replaceOnce(CONFIG, '  ROUTE_SOURCE_DYNAMIC = 4;\n', '  ROUTE_SOURCE_DYNAMIC = 4;\n  ROUTE_SOURCE_STATIC = 5;\n')
      .replaceOnce(CONFIG, 'message RouteInfo {', 'message Empty {}\n\nservice RouteService {\n  rpc Noop(Empty) returns (Empty);\n}\n\nmessage RouteInfo {');
    expect(sut()).toEqual([]);
  });

  it('reports a proto that does not load', () => {
    protos.replaceOnce(AGENT, 'message HealthCheckRequest {', 'message HealthCheckRequest {{');
    expect(sut()).toEqual([expect.stringMatching(/^the protos under .* do not load: /)]);
  });
});
