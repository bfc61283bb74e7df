/** ELBv2 listeners: the CCM creates one per Service port, forwarding to a target group. */
import type {
  CreateListenerInput,
  CreateListenerOutput,
  DeleteListenerInput,
  DescribeListenersInput,
  DescribeListenersOutput,
  Listener,
  ModifyListenerInput,
  ModifyListenerOutput,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import type { ResourceRecord } from '../../../core/store.js';
import { op, type AwsContext } from '../shared/context.js';
import { ELB, type V2ListenerData } from '../elb/records.js';
import { err, requireLbArn } from './load-balancers.js';
import { requireTg } from './target-groups.js';

type ListenerRecord = ResourceRecord<V2ListenerData>;
const listeners = (ctx: AwsContext) => ctx.tenant.collection<V2ListenerData>(ELB.listener);

const NLB_PROTOCOLS = new Set(['TCP', 'UDP', 'TCP_UDP', 'TLS']);
const ALB_PROTOCOLS = new Set(['HTTP', 'HTTPS']);

function render(l: ListenerRecord): Listener {
  return {
    ListenerArn: l.id,
    LoadBalancerArn: l.data.loadBalancerArn,
    Port: l.data.port,
    Protocol: l.data.protocol as Listener['Protocol'],
    SslPolicy: l.data.sslPolicy,
    Certificates: l.data.certificates.length ? l.data.certificates : undefined,
    DefaultActions: l.data.defaultActions.map((a) => ({ ...a, Type: a.Type as 'forward', ForwardConfig: a.TargetGroupArn ? { TargetGroups: [{ TargetGroupArn: a.TargetGroupArn, Weight: 1 }] } : undefined })),
  };
}

function checkActions(ctx: AwsContext, actions: CreateListenerInput['DefaultActions']): V2ListenerData['defaultActions'] {
  if (!actions?.length) throw err('ValidationError', 'At least one default action is required');
  return actions.map((a) => {
    if (a.Type !== 'forward') throw err('InvalidConfigurationRequest', `Action type '${a.Type ?? ''}' is not supported by fauxcloud for this load balancer`);
    const tgArn = a.TargetGroupArn ?? a.ForwardConfig?.TargetGroups?.[0]?.TargetGroupArn;
    requireTg(ctx, tgArn);
    return { Type: 'forward', TargetGroupArn: tgArn, Order: a.Order };
  });
}

function createListener(input: CreateListenerInput, ctx: AwsContext): CreateListenerOutput {
  const lb = requireLbArn(ctx, input.LoadBalancerArn);
  const protocol = input.Protocol ?? (lb.data.type === 'network' ? 'TCP' : 'HTTP');
  if (!(lb.data.type === 'network' ? NLB_PROTOCOLS : ALB_PROTOCOLS).has(protocol))
    throw err('InvalidConfigurationRequest', `The protocol '${protocol}' is not supported by ${lb.data.type} load balancers`);
  if (input.Port === undefined || input.Port < 1 || input.Port > 65535) throw err('ValidationError', 'Port must be between 1 and 65535');
  if ((protocol === 'TLS' || protocol === 'HTTPS') && !input.Certificates?.length) throw err('CertificateNotFound', 'A certificate must be specified for TLS and HTTPS listeners');
  const defaultActions = checkActions(ctx, input.DefaultActions);
  const same = listeners(ctx).list({ parent: lb.id }).find((l) => l.data.port === input.Port);
  if (same) {
    if (same.data.protocol === protocol && JSON.stringify(same.data.defaultActions) === JSON.stringify(defaultActions)) return { Listeners: [render(same)] };
    throw err('DuplicateListener', 'A listener already exists on this port for this load balancer');
  }
  const [, , , , , kindNameId] = lb.id.split(':');
  const arn = `${lb.id.split(':').slice(0, 5).join(':')}:${kindNameId!.replace('loadbalancer/', 'listener/')}/${ctx.engine.ids.hex('aws:elbv2:listener', 16)}`;
  const rec = listeners(ctx).insert({
    id: arn,
    region: ctx.region,
    parent: lb.id,
    tags: Object.fromEntries((input.Tags ?? []).map((t) => [t.Key ?? '', t.Value ?? ''])),
    data: { loadBalancerArn: lb.id, port: input.Port, protocol, sslPolicy: input.SslPolicy ?? (protocol === 'TLS' || protocol === 'HTTPS' ? 'ELBSecurityPolicy-2016-08' : undefined), certificates: input.Certificates ?? [], defaultActions },
  });
  ctx.touch(arn);
  return { Listeners: [render(rec)] };
}

function describeListeners(input: DescribeListenersInput, ctx: AwsContext): DescribeListenersOutput {
  if (input.ListenerArns?.length) {
    return {
      Listeners: input.ListenerArns.map((arn) => {
        const l = listeners(ctx).get(arn);
        if (!l) throw err('ListenerNotFound', `One or more listeners not found`);
        return render(l);
      }),
    };
  }
  const lb = requireLbArn(ctx, input.LoadBalancerArn);
  return { Listeners: listeners(ctx).list({ parent: lb.id }).map(render) };
}

function modifyListener(input: ModifyListenerInput, ctx: AwsContext): ModifyListenerOutput {
  const l = input.ListenerArn ? listeners(ctx).get(input.ListenerArn) : undefined;
  if (!l) throw err('ListenerNotFound', 'One or more listeners not found');
  if (input.Port !== undefined && listeners(ctx).list({ parent: l.data.loadBalancerArn }).some((x) => x.id !== l.id && x.data.port === input.Port))
    throw err('DuplicateListener', 'A listener already exists on this port for this load balancer');
  if (input.Port !== undefined) l.data.port = input.Port;
  if (input.Protocol !== undefined) l.data.protocol = input.Protocol;
  if (input.SslPolicy !== undefined) l.data.sslPolicy = input.SslPolicy;
  if (input.Certificates !== undefined) l.data.certificates = input.Certificates;
  if (input.DefaultActions !== undefined) l.data.defaultActions = checkActions(ctx, input.DefaultActions);
  return { Listeners: [render(l)] };
}

function deleteListener(input: DeleteListenerInput, ctx: AwsContext): object {
  if (!input.ListenerArn || !listeners(ctx).delete(input.ListenerArn)) throw err('ListenerNotFound', 'One or more listeners not found');
  return {};
}

export const listenerOperations = {
  CreateListener: op(createListener),
  DescribeListeners: op(describeListeners),
  ModifyListener: op(modifyListener),
  DeleteListener: op(deleteListener),
};
