/**
 * Launch templates and their versions: Create/Describe/Delete, CreateLaunchTemplateVersion (from a
 * source version), ModifyLaunchTemplate (the default version), DescribeLaunchTemplateVersions
 * (`$Latest`, `$Default`, ranges), and the resolution RunInstances uses.
 */
import type {
  CreateLaunchTemplateRequest,
  CreateLaunchTemplateResult,
  CreateLaunchTemplateVersionRequest,
  CreateLaunchTemplateVersionResult,
  DeleteLaunchTemplateRequest,
  DeleteLaunchTemplateResult,
  DescribeLaunchTemplatesRequest,
  DescribeLaunchTemplatesResult,
  DescribeLaunchTemplateVersionsRequest,
  DescribeLaunchTemplateVersionsResult,
  LaunchTemplate,
  LaunchTemplateVersion,
  ModifyLaunchTemplateRequest,
  ModifyLaunchTemplateResult,
  RequestLaunchTemplateData,
  ResponseLaunchTemplateData,
} from '@aws-sdk/client-ec2';
import type { ResourceRecord } from '../../../core/store.js';
import { ec2Error, Ec2Errors } from '../shared/errors.js';
import { checkDryRun, checkPaging, filterRecords, pageOf, tagsFor, wireTags, asRows } from './common.js';
import { op, type Ec2Context } from '../shared/context.js';
import { patch, T, type LaunchTemplateData } from './records.js';

type TemplateRecord = ResourceRecord<LaunchTemplateData>;
type Version = LaunchTemplateData['versions'][number];

const templates = (ctx: Ec2Context) => ctx.tenant.collection<LaunchTemplateData>(T.launchTemplate);

const NAME = /^[a-zA-Z0-9().\-/_]{3,128}$/;

const idNotFound = (id: string) => ec2Error('InvalidLaunchTemplateId.NotFound', `The specified launch template, with template ID ${id}, does not exist.`);
const nameNotFound = (name: string) => ec2Error('InvalidLaunchTemplateName.NotFoundException', `The specified launch template, with template name ${name}, does not exist.`);
const versionNotFound = (t: TemplateRecord, v: string) => ec2Error('InvalidLaunchTemplateId.VersionNotFound', `Could not find launch template version ${v} for launch template ${t.id}.`);

/** One template by id or by name (exactly one of them), as every template call takes it. */
export function findTemplate(ctx: Ec2Context, id: string | undefined, name: string | undefined): TemplateRecord {
  if (id !== undefined && name !== undefined)
    throw Ec2Errors.invalidParameterCombination('Either a launch template ID or a launch template name must be specified in the request, but not both.');
  if (id === undefined && name === undefined) throw Ec2Errors.missingParameter('LaunchTemplateId or LaunchTemplateName');
  if (id !== undefined) {
    if (!/^lt-[0-9a-f]{17}$/.test(id)) throw ec2Error('InvalidLaunchTemplateId.Malformed', `The specified launch template ID ${id} is not valid.`);
    const t = templates(ctx).get(id);
    if (!t || t.region !== ctx.region) throw idNotFound(id);
    return t;
  }
  const t = templates(ctx).list({ region: ctx.region }).find((r) => r.data.name === name);
  if (!t) throw nameNotFound(name!);
  return t;
}

/** A version by number, `$Latest` or `$Default` (absent means the default). */
export function findVersion(t: TemplateRecord, v: string | undefined): Version {
  const wanted = v === undefined || v === '$Default' ? t.data.defaultVersion : v === '$Latest' ? latest(t) : /^\d+$/.test(v) ? Number(v) : NaN;
  if (Number.isNaN(wanted)) throw ec2Error('InvalidLaunchTemplateId.VersionNotFound', `The specified launch template version ${v} is not valid.`);
  const found = t.data.versions.find((x) => x.number === wanted);
  if (!found) throw versionNotFound(t, String(v));
  return found;
}

const latest = (t: TemplateRecord) => t.data.versions[t.data.versions.length - 1]!.number;

/** Stored data is the request as sent (JSON-safe): its field names are the response's too. */
function cleanData(data: RequestLaunchTemplateData | undefined): Record<string, unknown> {
  return JSON.parse(JSON.stringify(data ?? {})) as Record<string, unknown>;
}

function checkData(data: RequestLaunchTemplateData | undefined): void {
  const hop = data?.MetadataOptions?.HttpPutResponseHopLimit;
  if (hop !== undefined && (hop < 1 || hop > 64)) throw Ec2Errors.invalidParameterValue(`The value for HttpPutResponseHopLimit is invalid. Valid range: 1 - 64.`);
  if (data?.UserData !== undefined && !/^[A-Za-z0-9+/]*={0,2}$/.test(data.UserData)) throw Ec2Errors.invalidParameterValue('Invalid BASE64 encoding of user data.');
}

function render(ctx: Ec2Context, t: TemplateRecord): LaunchTemplate {
  return {
    LaunchTemplateId: t.id,
    LaunchTemplateName: t.data.name,
    CreateTime: new Date(t.data.createTime),
    CreatedBy: t.data.createdBy,
    DefaultVersionNumber: t.data.defaultVersion,
    LatestVersionNumber: latest(t),
    Tags: Object.keys(t.tags).length ? wireTags(t.tags) : undefined,
  };
}

function renderVersion(t: TemplateRecord, v: Version): LaunchTemplateVersion {
  return {
    LaunchTemplateId: t.id,
    LaunchTemplateName: t.data.name,
    VersionNumber: v.number,
    VersionDescription: v.description,
    CreateTime: new Date(v.createTime),
    CreatedBy: t.data.createdBy,
    DefaultVersion: v.number === t.data.defaultVersion,
    LaunchTemplateData: v.data as ResponseLaunchTemplateData,
  };
}

function createLaunchTemplate(input: CreateLaunchTemplateRequest, ctx: Ec2Context): CreateLaunchTemplateResult {
  const name = input.LaunchTemplateName;
  if (name === undefined) throw Ec2Errors.missingParameter('LaunchTemplateName');
  if (!input.LaunchTemplateData) throw Ec2Errors.missingParameter('LaunchTemplateData');
  if (!NAME.test(name)) throw ec2Error('InvalidLaunchTemplateName.MalformedException', 'A launch template name must be between 3 and 128 characters, and may contain letters, numbers, and the following characters: - ( ) . / _.');
  checkData(input.LaunchTemplateData);
  const tags = tagsFor(input.TagSpecifications, 'launch-template', ['launch-template']);
  checkDryRun(input);
  if (input.ClientToken) {
    const { ClientToken: _t, DryRun: _d, ...params } = input;
    const seen = ctx.tenant.idempotency.check('CreateLaunchTemplate', input.ClientToken, params);
    if (seen.kind === 'mismatch') throw Ec2Errors.idempotentMismatch();
    const prior = seen.kind === 'replay' ? templates(ctx).get(seen.resultId) : undefined;
    if (prior) return { LaunchTemplate: render(ctx, prior) };
  }
  if (templates(ctx).list({ region: ctx.region }).some((t) => t.data.name === name))
    throw ec2Error('InvalidLaunchTemplateName.AlreadyExistsException', `Launch template name already in use.`);
  const now = ctx.now().toISOString();
  const rec = templates(ctx).insert({
    id: ctx.newId('lt'),
    region: ctx.region,
    tags,
    data: { name, createTime: now, createdBy: `arn:aws:iam::${ctx.account}:root`, defaultVersion: 1, versions: [{ number: 1, description: input.VersionDescription, createTime: now, data: cleanData(input.LaunchTemplateData) }] },
  });
  if (input.ClientToken) {
    const { ClientToken: _t, DryRun: _d, ...params } = input;
    ctx.tenant.idempotency.remember('CreateLaunchTemplate', input.ClientToken, params, rec.id);
  }
  ctx.touch(rec.id);
  return { LaunchTemplate: render(ctx, rec) };
}

function createLaunchTemplateVersion(input: CreateLaunchTemplateVersionRequest, ctx: Ec2Context): CreateLaunchTemplateVersionResult {
  if (!input.LaunchTemplateData) throw Ec2Errors.missingParameter('LaunchTemplateData');
  checkData(input.LaunchTemplateData);
  const t = findTemplate(ctx, input.LaunchTemplateId, input.LaunchTemplateName);
  // A source version's data is the base; the new data's fields replace it field by field.
  const base = input.SourceVersion !== undefined ? findVersion(t, input.SourceVersion).data : {};
  checkDryRun(input);
  const v: Version = { number: latest(t) + 1, description: input.VersionDescription, createTime: ctx.now().toISOString(), data: { ...base, ...cleanData(input.LaunchTemplateData) } };
  patch(t, { versions: [...t.data.versions, v] });
  ctx.touch(t.id);
  return { LaunchTemplateVersion: renderVersion(t, v) };
}

function modifyLaunchTemplate(input: ModifyLaunchTemplateRequest, ctx: Ec2Context): ModifyLaunchTemplateResult {
  const t = findTemplate(ctx, input.LaunchTemplateId, input.LaunchTemplateName);
  const v = input.DefaultVersion !== undefined ? findVersion(t, input.DefaultVersion) : undefined;
  checkDryRun(input);
  if (v) patch(t, { defaultVersion: v.number });
  ctx.touch(t.id);
  return { LaunchTemplate: render(ctx, t) };
}

function deleteLaunchTemplate(input: DeleteLaunchTemplateRequest, ctx: Ec2Context): DeleteLaunchTemplateResult {
  const t = findTemplate(ctx, input.LaunchTemplateId, input.LaunchTemplateName);
  checkDryRun(input);
  templates(ctx).delete(t.id);
  ctx.touch(t.id);
  return { LaunchTemplate: render(ctx, t) };
}

function describeLaunchTemplates(input: DescribeLaunchTemplatesRequest, ctx: Ec2Context): DescribeLaunchTemplatesResult {
  const ids = input.LaunchTemplateIds ?? [];
  const names = input.LaunchTemplateNames ?? [];
  checkPaging({ maxResults: input.MaxResults, min: 1, max: 200, idsGiven: ids.length > 0 || names.length > 0, idsParam: 'launchTemplateId' });
  checkDryRun(input);
  for (const id of ids) findTemplate(ctx, id, undefined);
  for (const name of names) findTemplate(ctx, undefined, name);
  let found = templates(ctx).list({ region: ctx.region }).filter((t) => (ids.length === 0 || ids.includes(t.id)) && (names.length === 0 || names.includes(t.data.name)));
  found = filterRecords(found, input.Filters, {
    tags: true,
    fields: { 'create-time': (r) => r.data.createTime, 'launch-template-name': (r) => r.data.name },
  });
  const page = pageOf(found, { maxResults: input.MaxResults, nextToken: input.NextToken, min: 1, max: 200, idsGiven: false, idsParam: '', query: { f: input.Filters ?? [], ids, names } });
  return { LaunchTemplates: page.items.map((t) => render(ctx, t)), NextToken: page.nextToken };
}

function describeLaunchTemplateVersions(input: DescribeLaunchTemplateVersionsRequest, ctx: Ec2Context): DescribeLaunchTemplateVersionsResult {
  checkPaging({ maxResults: input.MaxResults, min: 1, max: 200, idsGiven: false, idsParam: '' });
  checkDryRun(input);
  const t = findTemplate(ctx, input.LaunchTemplateId, input.LaunchTemplateName);
  let versions = input.Versions?.length ? input.Versions.map((v) => findVersion(t, v)) : [...t.data.versions];
  const min = input.MinVersion !== undefined ? Number(input.MinVersion) : -Infinity;
  const max = input.MaxVersion !== undefined ? Number(input.MaxVersion) : Infinity;
  versions = versions.filter((v) => v.number >= min && v.number <= max);
  // Newest first, as EC2 lists them.
  const rows = filterRecords(
    asRows([...versions].reverse(), (v) => String(v.number)),
    input.Filters,
    {
      fields: {
        'is-default-version': (r) => r.data.number === t.data.defaultVersion,
        'image-id': (r) => r.data.data['ImageId'] as string | undefined,
        'instance-type': (r) => r.data.data['InstanceType'] as string | undefined,
        'create-time': (r) => r.data.createTime,
        'ebs-optimized': (r) => r.data.data['EbsOptimized'] as boolean | undefined,
        'iam-instance-profile': () => undefined,
        'kernel-id': () => undefined,
        'ram-disk-id': () => undefined,
        'disable-api-termination': (r) => r.data.data['DisableApiTermination'] as boolean | undefined,
        'disable-api-stop': (r) => r.data.data['DisableApiStop'] as boolean | undefined,
        'instance-initiated-shutdown-behavior': (r) => r.data.data['InstanceInitiatedShutdownBehavior'] as string | undefined,
        'host-resource-group-arn': () => undefined,
        'license-configuration-arn': () => undefined,
        'network-card-index': () => undefined,
        'http-tokens': (r) => (r.data.data['MetadataOptions'] as { HttpTokens?: string } | undefined)?.HttpTokens,
      },
    },
  );
  const page = pageOf(rows, { maxResults: input.MaxResults, nextToken: input.NextToken, min: 1, max: 200, idsGiven: false, idsParam: '', query: { t: t.id, f: input.Filters ?? [], v: input.Versions ?? [] } });
  return { LaunchTemplateVersions: page.items.map((r) => renderVersion(t, r.data)), NextToken: page.nextToken };
}

export const launchTemplateOperations = {
  CreateLaunchTemplate: op(createLaunchTemplate),
  CreateLaunchTemplateVersion: op(createLaunchTemplateVersion),
  ModifyLaunchTemplate: op(modifyLaunchTemplate),
  DeleteLaunchTemplate: op(deleteLaunchTemplate),
  DescribeLaunchTemplates: op(describeLaunchTemplates),
  DescribeLaunchTemplateVersions: op(describeLaunchTemplateVersions),
};
