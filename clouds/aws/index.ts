/**
 * AWS as a fastify plugin: registers the `aws` CloudApi (identification by SigV4 scope, form
 * `Action`/`Version`, `X-Amz-Target`, IMDS paths), the EC2 state machines and the seed loader.
 */
import type { FastifyPluginAsync } from 'fastify';
import type { CloudPluginOptions } from '../../core/app.js';
import type { CloudApi, RoutedCall, WireRequest } from '../../core/cloud-api.js';
import { CloudError } from '../../core/errors.js';
import { onFirstUse } from '../../core/lazy.js';
import { defineElbv2Machines } from './elbv2/index.js';
import { defineEc2Machines } from './ec2/machines.js';
import { applyAwsSeed, AwsSeedSchema, validateAwsSeed } from './seed.js';
import { awsFaultError } from './shared/fault-errors.js';
import { awsConnection } from './connection.js';
import { Ec2Errors, renderEc2Error, renderJsonError, renderQueryError } from './shared/errors.js';
import { AccountResolver, credentialScope, DEFAULT_ACCOUNT, DEFAULT_REGION, formParams } from './shared/request.js';
import { imdsListenerRoutes } from './imds/listeners.js';
import { awsHttpRefusal } from './shared/refusals.js';
import { AwsAuthSchema, verifyAwsRequest } from './auth/strict.js';
import { ImdsService, INSTANCE_HEADER as IMDS_INSTANCE_HEADER } from './imds/service.js';
import { T } from './ec2/records.js';

type Protocol = 'ec2' | 'query' | 'json' | 'imds';

interface AwsCall extends RoutedCall {
  tenant: string;
  region: string;
  protocol: Protocol;
  params: URLSearchParams;
  accessKeyId?: string;
}

/** The services and their Smithy models, loaded on AWS's first call rather than at start-up. */
const services = onFirstUse(() => import('./services.js'));
const TARGET_PREFIXES: Readonly<Record<string, string>> = {
  AmazonEC2ContainerRegistry_V20150921: 'ecr',
  SpencerFrontendService: 'ecr-public',
  TrentService: 'kms',
};

/** Query-protocol API versions → signing names, for unsigned requests. */
const VERSIONS: Readonly<Record<string, string>> = {
  '2016-11-15': 'ec2',
  '2012-06-01': 'elasticloadbalancing',
  '2015-12-01': 'elasticloadbalancing',
  '2011-06-15': 'sts',
};

/** Operations AWS serves without a signature. */
const UNSIGNED_OPERATIONS = new Set(['sts:AssumeRoleWithWebIdentity', 'sts:AssumeRoleWithSAML']);

/** IMDS paths, with repeated slashes folded: AWS's own JS IMDS client sends `//latest/…`. */
function imdsPathOf(path: string): string | undefined {
  const p = path.replace(/\/{2,}/g, '/');
  return p === '/latest' || p.startsWith('/latest/') ? p : undefined;
}

const awsPlugin: FastifyPluginAsync<CloudPluginOptions> = async (app, { engine }) => {
  const accounts = new AccountResolver(engine);
  defineEc2Machines(engine);
  defineElbv2Machines(engine);
  const imds = new ImdsService(engine, () => DEFAULT_ACCOUNT);
  await imdsListenerRoutes(app, engine);

  const api: CloudApi<AwsCall> = {
    name: 'aws',
    // AWS owns `POST /`, so it runs after clouds that match on specific paths or headers.
    priority: 100,

    identify(req: WireRequest): AwsCall | undefined {
      const imdsPath = imdsPathOf(req.path);
      if (imdsPath) {
        const inst = imds.instanceFor(req.headers);
        const operation = imdsPath === '/latest/api/token' ? 'GetToken' : imdsPath.startsWith('/latest/dynamic') ? 'GetDynamicData' : 'GetMetadata';
        return { service: 'imds', operation, tenant: inst?.tenant.id ?? DEFAULT_ACCOUNT, region: inst?.record.region ?? DEFAULT_REGION, protocol: 'imds', params: new URLSearchParams() };
      }
      const scope = credentialScope(req);
      const target = req.headers['x-amz-target'];
      const account = accounts.account(scope?.accessKeyId);
      const region = scope?.region ?? DEFAULT_REGION;
      if (typeof target === 'string') {
        // `Prefix.Operation`, exactly: anything after a second dot is part of an (unknown) operation name.
        const dot = target.indexOf('.');
        const prefix = dot < 0 ? target : target.slice(0, dot);
        const operation = dot < 0 ? '' : target.slice(dot + 1);
        const service = TARGET_PREFIXES[prefix] ?? scope?.service ?? prefix;
        return { service, operation, tenant: account, region, protocol: 'json', params: new URLSearchParams(), accessKeyId: scope?.accessKeyId };
      }
      if (req.path !== '/' || (req.method !== 'POST' && req.method !== 'GET')) return undefined;
      const params = formParams(req);
      const action = params.get('Action');
      if (!scope && !action) return undefined;
      let service = scope?.service ?? VERSIONS[params.get('Version') ?? ''] ?? 'ec2';
      // ELB and ELBv2 share a signing name; only the API version tells them apart.
      if (service === 'elasticloadbalancing' && params.get('Version') === '2015-12-01') service = 'elasticloadbalancingv2';
      return { service, operation: action ?? 'unknown', tenant: account, region, protocol: service === 'ec2' ? 'ec2' : 'query', params, accessKeyId: scope?.accessKeyId };
    },

    async handle(call, req, ctx) {
      if (call.protocol === 'imds') {
        const inst = imds.instanceFor(req.headers);
        if (inst) ctx.touch(inst.record.id);
        await ctx.gate();
        const r = imds.serve(req.method, imdsPathOf(req.path) ?? req.path, req.headers, inst);
        return { status: r.status, headers: { 'content-type': r.contentType, ...r.headers }, body: r.body, errorCode: r.status >= 400 ? String(r.status) : undefined };
      }
      // Strict auth: the signature must verify (STS's web-identity and SAML calls are unsigned on AWS too).
      if (engine.auth.strict && !UNSIGNED_OPERATIONS.has(`${call.service}:${call.operation}`)) verifyAwsRequest(engine, req, call.protocol);
      const { SERVICES, serveAws } = await services();
      const service = SERVICES.get(call.service);
      if (service && service.protocol === call.protocol) {
        if (call.protocol !== 'json' && !call.params.get('Action')) throw Ec2Errors.missingParameter('Action');
        return serveAws(service, { operation: call.operation, account: call.tenant, region: call.region, params: call.params, accessKeyId: call.accessKeyId }, req, ctx, accounts);
      }
      throw call.protocol === 'json'
        ? new CloudError('UnknownOperationException', 400, `fauxcloud does not emulate ${call.service} ${call.operation} yet`)
        : new CloudError('InvalidAction', 400, `The action ${call.operation} is not valid for this web service.`);
    },

    renderError(err, call, requestId) {
      switch (call?.protocol) {
        case 'imds':
          return { status: err.status, headers: { 'content-type': 'text/plain' }, body: err.message, errorCode: err.code };
        case 'json':
          return renderJsonError(err, requestId);
        case 'query':
          return renderQueryError(err, requestId);
        default:
          return renderEc2Error(err.code === 'InternalError' ? Ec2Errors.internal() : err, requestId);
      }
    },

    faultError: (err, call) => awsFaultError(err, call.protocol),
    renderHttpRefusal: (kind, req, call, requestId) => awsHttpRefusal(kind, req, call?.protocol, requestId),
    pinnedHeaderProblem: (header, value) =>
      header === IMDS_INSTANCE_HEADER && !engine.store.tenants().some((t) => t.cloud === 'aws' && t.collection(T.instance).has(value)) ? `no EC2 instance ${value}` : undefined,

    seedSchema: AwsSeedSchema,
    authSchema: AwsAuthSchema,
    validateSeed: validateAwsSeed,
    applySeed: (section, eng, onlyTenant) => applyAwsSeed(section, eng, accounts, onlyTenant),
    connection: awsConnection,
  };
  engine.clouds.register(api);
};

export default awsPlugin;
