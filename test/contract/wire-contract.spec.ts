import * as fs from 'node:fs';
import * as path from 'node:path';
import { checkProtoContract } from './proto-contract.checker';
import { parseWireContract, WireContractParseError } from './wire-contract.parser';

const REPO_ROOT = path.resolve(__dirname, '../..');
const VENDORED_CONTRACT = path.join(__dirname, 'wire-contract.md');
// The workspace keeps the portal's original next to the repo; a clean CI clone only has the vendored copy.
const SHARED_CONTRACT = path.resolve(REPO_ROOT, '../shared/contract/wire-contract.md');
const vendoredMarkdown = fs.readFileSync(VENDORED_CONTRACT, 'utf8');

function findMessage(fullName: string) {
  const message = parseWireContract(vendoredMarkdown)
    .packages.flatMap((pkg) => pkg.messages)
    .find((m) => m.fullName === fullName);
  if (!message) throw new Error(`${fullName} not in the parsed contract`);
  return message;
}

describe('vendored wire contract', () => {
  const sharedExists = fs.existsSync(SHARED_CONTRACT);
  const title = sharedExists
    ? `is byte-identical to ${SHARED_CONTRACT}`
    : `is byte-identical to ../shared/contract/wire-contract.md (SKIPPED: ${SHARED_CONTRACT} does not exist here)`;

  (sharedExists ? it : it.skip)(title, () => {
    const vendored = fs.readFileSync(VENDORED_CONTRACT);
    const shared = fs.readFileSync(SHARED_CONTRACT);
    expect(vendored.toString('utf8')).toBe(shared.toString('utf8'));
    expect(Buffer.compare(vendored, shared)).toBe(0);
  });
});

describe(checkProtoContract.name, () => {
  it('finds no drift between proto/ and the vendored contract', () => {
    const sut = checkProtoContract(path.join(REPO_ROOT, 'proto'), parseWireContract(vendoredMarkdown));
    expect(sut).toEqual([]);
  });
});

describe(parseWireContract.name, () => {
  it('finds exactly the five contract services, ConfigService under vpn.v1', () => {
    const sut = parseWireContract(vendoredMarkdown);
    const services = sut.packages.flatMap((pkg) => pkg.services.map((s) => s.fullName));
    expect(services.sort()).toEqual([
      'agent.v1.AgentService',
      'agent.v1.VPNAgentService',
      'vpn.v1.AuthService',
      'vpn.v1.ConfigService',
      'vpn.v1.EventService',
    ]);
  });

  it('reads every rpc with its streaming flags', () => {
    const sut = parseWireContract(vendoredMarkdown);
    const methods = sut.packages.flatMap((pkg) => pkg.services).flatMap((s) => s.methods);
    expect(methods).toHaveLength(21);
    expect(methods.find((m) => m.name === 'AgentStream')).toMatchObject({ requestStream: true, responseStream: true });
    expect(methods.find((m) => m.name === 'StreamLogs')).toMatchObject({ requestStream: false, responseStream: true });
  });

  it('reads NotifyConnectRequest with its seven fields and notations', () => {
    const sut = findMessage('agent.v1.NotifyConnectRequest');
    expect(sut.fields).toHaveLength(7);
    expect(sut.fields[5]).toEqual({ name: 'connect_time', number: 6, type: 'google.protobuf.Timestamp', repeated: false });
    expect(sut.fields[6]).toEqual({ name: 'metadata', number: 7, type: 'string', repeated: false, mapKeyType: 'string' });
  });

  it('reads `type[]` as repeated', () => {
    const sut = findMessage('agent.v1.NotifyConnectResponse');
    expect(sut.fields.find((f) => f.name === 'routes')).toMatchObject({ type: 'string', repeated: true });
  });

  it('puts the oneof members in their oneof', () => {
    const sut = findMessage('agent.v1.ServerMessage');
    expect(sut.fields.map((f) => [f.name, f.number, f.oneof])).toEqual([
      ['request_id', 1, undefined],
      ['command', 10, 'payload'],
      ['config_update', 11, 'payload'],
      ['action', 12, 'payload'],
    ]);
  });

  it('drops the trailing aside of a field', () => {
    const sut = findMessage('agent.v1.LogStreamRequest');
    expect(sut.fields.map((f) => f.name)).toEqual(['log_source', 'start_time', 'follow']);
  });

  it('gives GroupConfig "the same fields 2..8 as UserConfig"', () => {
    const sut = findMessage('vpn.v1.GroupConfig');
    const userConfig = findMessage('vpn.v1.UserConfig');
    expect(sut.fields[0]).toEqual({ name: 'groupname', number: 1, type: 'string', repeated: false });
    expect(sut.fields.slice(1)).toEqual(userConfig.fields.slice(1));
    expect(sut.fields).toHaveLength(8);
  });

  it('reads two messages separated by · on one line', () => {
    expect(findMessage('vpn.v1.GetUserConfigRequest').fields.map((f) => f.name)).toEqual(['username']);
    expect(findMessage('vpn.v1.GetGroupConfigRequest').fields.map((f) => f.name)).toEqual(['groupname']);
  });

  it('pairs `A / B` messages with the alternatives of an `X|Y` type in order', () => {
    expect(findMessage('vpn.v1.UpdateUserConfigRequest').fields[0].type).toBe('vpn.v1.UserConfig');
    expect(findMessage('vpn.v1.UpdateGroupConfigRequest').fields[0].type).toBe('vpn.v1.GroupConfig');
    expect(findMessage('vpn.v1.GetGroupConfigResponse').fields[1]).toMatchObject({ name: 'config', number: 2, type: 'vpn.v1.GroupConfig' });
  });

  it('prefixes enum values with the enum name and keeps same-named enums apart per package', () => {
    const sut = parseWireContract(vendoredMarkdown).packages.flatMap((pkg) => pkg.enums);
    const valuesOf = (fullName: string) => sut.find((e) => e.fullName === fullName)?.values.map((v) => v.name);
    expect(valuesOf('agent.v1.ConfigType')).toEqual(['CONFIG_TYPE_UNSPECIFIED', 'CONFIG_TYPE_MAIN', 'CONFIG_TYPE_PER_USER', 'CONFIG_TYPE_PER_GROUP']);
    expect(valuesOf('vpn.v1.ConfigType')).toEqual(['CONFIG_TYPE_UNSPECIFIED', 'CONFIG_TYPE_USER', 'CONFIG_TYPE_GROUP']);
    expect(valuesOf('vpn.v1.DisconnectReason')).toContain('DISCONNECT_REASON_USER_INITIATED');
    expect(findMessage('vpn.v1.SyncRoutesRequest').fields[0].type).toBe('vpn.v1.ConfigType');
  });

  it('skips the connect-script IPC framing section as not describing protos', () => {
    const sut = parseWireContract(vendoredMarkdown);
    expect(sut.ignoredSections).toEqual(['connect-script IPC framing already deployed']);
    expect(sut.packages.map((pkg) => pkg.name)).toEqual(['agent.v1', 'vpn.v1']);
  });

  it('rejects a line it cannot read instead of skipping it', () => {
    const markdown = vendoredMarkdown.replace('### messages\n', '### messages\n- Broken: name = 1\n');
    expect(() => parseWireContract(markdown)).toThrow(WireContractParseError);
    expect(() => parseWireContract(markdown)).toThrow(/line \d+: bad field "name = 1".*Broken/);
  });

  it('rejects a field type that names no message or enum of the package', () => {
    const markdown = vendoredMarkdown.replace('status AgentStatus = 1', 'status AgentState = 1');
    expect(() => parseWireContract(markdown)).toThrow(/unknown type agent\.v1\.AgentState/);
  });

  it('rejects an unknown section rather than ignoring it', () => {
    expect(() => parseWireContract(`${vendoredMarkdown}\n## proto-ish notes\n`)).toThrow(/unknown section/);
  });
});
