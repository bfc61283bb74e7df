/**
 * Health of registered targets on the core lifecycle engine, so a scenario or drill can hold it:
 * ELBv2 targets start `initial` (registration in progress) and turn `healthy`; deregistered ones
 * drain (`draining`, then gone). Classic instances start `OutOfService` and turn `InService`.
 * Every step is instant unless the scenario says otherwise:
 * `lifecycle: {aws.elbv2.target-health: {initial: {delay: {ms: 30000}}}}`.
 */
import type { Engine } from '../../../core/engine.js';
import type { ResourceRecord, TenantStore } from '../../../core/store.js';
import type { AwsContext } from '../shared/context.js';

export const HEALTH = {
  target: 'aws.elbv2.target-health',
  instance: 'aws.elb.instance-health',
} as const;

export interface TargetHealthData {
  targetGroupArn: string;
  id: string;
  port?: number;
}

export interface InstanceHealthData {
  loadBalancer: string;
  instanceId: string;
}

export const targetHealthId = (tgArn: string, id: string, port: number | undefined) => `${tgArn}|${id}|${port ?? ''}`;
export const instanceHealthId = (lb: string, instanceId: string) => `${lb}|${instanceId}`;

export function defineHealthMachines(engine: Engine): void {
  engine.lifecycle.define({
    type: HEALTH.target,
    auto: { initial: 'healthy', draining: 'drained' },
    onEnter: ({ record, to, tenant }) => {
      if (to === 'drained') tenant.collection(HEALTH.target).delete(record.id);
    },
  });
  engine.lifecycle.define({ type: HEALTH.instance, auto: { OutOfService: 'InService' } });
}

const targets = (t: TenantStore) => t.collection<TargetHealthData>(HEALTH.target);
const instances = (t: TenantStore) => t.collection<InstanceHealthData>(HEALTH.instance);

/** A (re)registered target starts its health checks over. */
export function targetRegistered(ctx: AwsContext, tgArn: string, id: string, port: number | undefined): void {
  const key = targetHealthId(tgArn, id, port);
  const coll = targets(ctx.tenant);
  const rec = coll.peek(key) ?? coll.insert({ id: key, region: ctx.region, parent: tgArn, data: { targetGroupArn: tgArn, id, port } });
  if (rec.lc?.state !== 'initial') ctx.engine.lifecycle.enter(ctx.tenant, rec, 'initial');
}

/** A deregistered target drains (for the group's deregistration delay, in a scenario's terms). */
export function targetDeregistered(ctx: AwsContext, tgArn: string, id: string, port: number | undefined, draining: boolean): void {
  const rec = targets(ctx.tenant).peek(targetHealthId(tgArn, id, port));
  if (!rec) return;
  if (draining) ctx.engine.lifecycle.enter(ctx.tenant, rec, 'draining');
  else targets(ctx.tenant).delete(rec.id);
}

/** The target's health step: `initial`, `healthy` or `draining` (targets stored before health existed count as healthy). */
export function targetStep(ctx: AwsContext, tgArn: string, id: string, port: number | undefined): string | undefined {
  const rec = targets(ctx.tenant).get(targetHealthId(tgArn, id, port));
  return rec ? (rec.lc?.state ?? 'healthy') : undefined;
}

export function drainingTargets(ctx: AwsContext, tgArn: string): Array<ResourceRecord<TargetHealthData>> {
  return targets(ctx.tenant).list({ parent: tgArn }).filter((r) => r.lc?.state === 'draining');
}

export function forgetTargetGroup(ctx: AwsContext, tgArn: string): void {
  for (const r of targets(ctx.tenant).list({ parent: tgArn })) targets(ctx.tenant).delete(r.id);
}

export function instanceRegistered(ctx: AwsContext, lb: string, instanceId: string): void {
  const key = instanceHealthId(lb, instanceId);
  const coll = instances(ctx.tenant);
  const rec = coll.peek(key) ?? coll.insert({ id: key, region: ctx.region, data: { loadBalancer: lb, instanceId } });
  if (rec.lc === undefined) ctx.engine.lifecycle.enter(ctx.tenant, rec, 'OutOfService');
}

export function instanceDeregistered(ctx: AwsContext, lb: string, instanceId: string): void {
  instances(ctx.tenant).delete(instanceHealthId(lb, instanceId));
}

/** `OutOfService` while registration is in progress, then `InService` (older registrations: InService). */
export function instanceStep(ctx: AwsContext, lb: string, instanceId: string): string {
  return instances(ctx.tenant).get(instanceHealthId(lb, instanceId))?.lc?.state ?? 'InService';
}
