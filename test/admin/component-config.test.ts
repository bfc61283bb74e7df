/** `GET /_fauxcloud/config/<component>` and `fauxcloud config`: ready config files for upstream components. */
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeAvailabilityZonesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { configCommand } from '../../core/config-command.js';
import { overrideConfigFile, renderConfigFile, type ConfigFile } from '../../core/component-config.js';
import type { RunningServer } from '../../core/server.js';
import { admin, useFauxcloud } from '../helpers/fauxcloud.js';

let server: RunningServer;
useFauxcloud((s) => (server = s), { httpsPort: 0 });

interface Rendered {
  component: string;
  cloud: string;
  files: { name: string; format: string; text: string }[];
}

async function runConfig(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await configCommand(['--url', server.httpUrl, ...args], { out: (t) => (out += t), err: (t) => (err += t), fetch, env: {} });
  return { code, out, err };
}

/** gcfg `[Section]` / `key = value` back into a map of `[Section] key` → value. */
function parseIni(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  let section = '';
  for (const line of text.split('\n')) {
    const s = /^\[(.+)\]$/.exec(line);
    if (s) section = s[1]!;
    const kv = /^([^=\s]+) = (.*)$/.exec(line);
    if (kv) out[`[${section}] ${kv[1]}`] = kv[2]!;
  }
  return out;
}

describe('the renderer', () => {
  it('writes gcfg sections, quoting what gcfg would read as a comment or an escape', () => {
    const f: ConfigFile = { name: 'x.conf', format: 'ini', sections: [{ name: 'Global', keys: { a: 'plain', b: 'has;semicolon', c: 'say "hi"', d: true } }] };
    expect(renderConfigFile(f)).toBe('[Global]\na = plain\nb = "has;semicolon"\nc = "say \\"hi\\""\nd = true\n');
  });

  it('sets and removes INI keys, appending a new section', () => {
    const f: ConfigFile = { name: 'cloud.conf', format: 'ini', sections: [{ name: 'Global', keys: { region: 'r1', 'tenant-id': 't' } }] };
    const o = overrideConfigFile(f, ['[Global] region=r2', '[LoadBalancer] subnet-id=s-1'], ['[Global] tenant-id']);
    expect(renderConfigFile(o)).toBe('[Global]\nregion = r2\n\n[LoadBalancer]\nsubnet-id = s-1\n');
    expect(renderConfigFile(f)).toContain('tenant-id = t');
    expect(() => overrideConfigFile(f, ['region=r2'], [])).toThrow(/\[Section\] key/);
  });

  it('keeps JSON and YAML value types and refuses prototype paths', () => {
    const f: ConfigFile = { name: 'azure.json', format: 'json', value: { tenantId: '1', useInstanceMetadata: false, list: ['a'] } };
    const o = overrideConfigFile(f, ['tenantId=2', 'useInstanceMetadata=true', 'cloudProviderRateLimitQPS=5', 'list.1=b', 'nested.key=v'], []);
    expect(JSON.parse(renderConfigFile(o))).toEqual({ tenantId: '2', useInstanceMetadata: true, list: ['a', 'b'], cloudProviderRateLimitQPS: 5, nested: { key: 'v' } });
    expect(() => overrideConfigFile(f, ['__proto__.x=1'], [])).toThrow(/not a path/);
    const y: ConfigFile = { name: 'v.yaml', format: 'yaml', value: { global: { port: 443 } } };
    expect(parseYaml(renderConfigFile(overrideConfigFile(y, ['global.apiDisable=true', 'global.port=8443'], [])))).toEqual({ global: { port: 8443, apiDisable: true } });
  });
});

describe('GET /_fauxcloud/config', () => {
  it('lists every component with its cloud and files', async () => {
    const { status, body } = await admin(server).get<{ components: { component: string; cloud: string; files: string[] }[] }>('/config');
    expect(status).toBe(200);
    const names = body.components.map((c) => c.component);
    for (const want of ['cloud-provider-aws', 'aws-ebs-csi-driver', 'ecr-credential-provider', 'cloud-provider-gcp', 'gcp-compute-persistent-disk-csi-driver', 'auth-provider-gcp', 'cloud-provider-azure', 'azuredisk-csi-driver', 'openstack-cloud-controller-manager', 'cinder-csi-plugin', 'vsphere-cloud-controller-manager', 'vsphere-csi-driver'])
      expect(names).toContain(want);
    expect(body.components.find((c) => c.component === 'cloud-provider-gcp')).toMatchObject({ cloud: 'gcp', files: ['gce.conf', 'cloud-provider-gcp.env'] });
  });

  it("writes a cloud.conf whose EC2 override the SDK reaches fauxcloud through", async () => {
    const { status, body } = await admin(server).get<Rendered>('/config/cloud-provider-aws');
    expect(status).toBe(200);
    const conf = parseIni(body.files.find((f) => f.name === 'cloud.conf')!.text);
    expect(conf['[ServiceOverride "ec2"] Service']).toBe('EC2');
    const ec2 = new EC2Client({ region: conf['[Global] Region']!, endpoint: conf['[ServiceOverride "ec2"] URL']!, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
    const zones = await ec2.send(new DescribeAvailabilityZonesCommand({}));
    expect(zones.AvailabilityZones?.length).toBeGreaterThan(0);
  });

  it('points at the URL the caller names and applies its overrides', async () => {
    const { body } = await admin(server).get<Rendered>(`/config/cloud-provider-gcp?url=${encodeURIComponent('http://proxy.test:9')}&set=${encodeURIComponent('[global] multizone=true')}`);
    const conf = parseIni(body.files[0]!.text);
    expect(conf['[global] api-endpoint']).toBe('http://proxy.test:9/compute/v1/');
    expect(conf['[global] multizone']).toBe('true');
    const text = await fetch(`${server.httpUrl}/_fauxcloud/config/auth-provider-gcp/credential-provider-config.yaml`);
    expect(text.headers.get('content-type')).toMatch(/yaml/);
    const doc = parseYaml(await text.text()) as { kind: string; providers: { name: string; env: { name: string; value: string }[] }[] };
    expect(doc.kind).toBe('CredentialProviderConfig');
    expect(doc.providers[0]!.env).toEqual([{ name: 'HTTP_PROXY', value: server.httpUrl }]);
  });

  it('answers 404 naming the known components, 400 for a bad override, and is in the OpenAPI document', async () => {
    const missing = await admin(server).get<{ message: string }>('/config/kube-proxy');
    expect(missing.status).toBe(404);
    expect(missing.body.message).toContain('cloud-provider-aws');
    expect((await admin(server).get('/config/cloud-provider-gcp?set=nope')).status).toBe(400);
    expect((await admin(server).get('/config/cloud-provider-gcp/nope.conf')).status).toBe(404);
    const doc = await admin(server).get<{ paths: Record<string, unknown> }>('/openapi.json');
    expect(Object.keys(doc.body.paths)).toEqual(expect.arrayContaining(['/_fauxcloud/config', '/_fauxcloud/config/{component}', '/_fauxcloud/config/{component}/{file}']));
  });
});

describe('fauxcloud config', () => {
  it('writes the files and the CA they name into --out', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fauxcloud-config-'));
    const r = await runConfig(['vsphere-csi-driver', '--out', dir]);
    expect(r.code).toBe(0);
    expect(r.out.trim()).toBe(join(dir, 'csi-vsphere.conf'));
    expect(readdirSync(dir).sort()).toEqual(['csi-vsphere.conf', 'fauxcloud-ca.pem']);
    const conf = parseIni(readFileSync(join(dir, 'csi-vsphere.conf'), 'utf8'));
    expect(conf['[VirtualCenter "127.0.0.1"] ca-file']).toBe(join(dir, 'fauxcloud-ca.pem'));
    expect(conf['[VirtualCenter "127.0.0.1"] port']).toBe(new URL(server.httpsUrl!).port);
    expect(readFileSync(join(dir, 'fauxcloud-ca.pem'), 'utf8')).toBe((await admin(server).get<string>('/ca.pem')).body);
  });

  it('prints one file with --file and --set, lists with --list, and fails with the server\'s reason', async () => {
    const one = await runConfig(['cloud-provider-azure', '--file', 'azure.json', '--set', 'vmType=vmss']);
    expect(one.code).toBe(0);
    expect(JSON.parse(one.out)).toMatchObject({ vmType: 'vmss', resourceManagerEndpoint: `${server.httpUrl}/` });
    const list = await runConfig(['--list']);
    expect(list.out).toMatch(/^cinder-csi-plugin\s+openstack\s+cloud\.conf$/m);
    const bad = await runConfig(['nope']);
    expect(bad.code).toBe(1);
    expect(bad.err).toContain('no component named "nope"');
    expect((await runConfig([])).code).toBe(2);
  });
});
