/**
 * The wire layer read from the official SDK packages: `@azure/arm-network`'s Mappers (flattened
 * `properties.` names, read-only fields, types) and `@azure/arm-compute`'s probed serializers
 * (wire names, nesting, read-only = read but never written), and what a body goes through.
 */
import { describe, expect, it } from 'vitest';
import { computeShape, networkShape, readBody, render, type Shape } from '../../clouds/azure/arm/shapes.js';

const at = (shape: Shape, path: string): Shape | undefined => {
  let s: Shape | undefined = shape;
  for (const part of path.split('.')) {
    if (!s) return undefined;
    if (part === '[]') s = s.kind === 'array' ? s.of : undefined;
    else s = s.kind === 'object' ? s.fields.get(part) : undefined;
  }
  return s;
};

describe('shapes from the SDK models', () => {
  it('reads compute disks from the modular serializers: wire names, read-only fields, arrays and maps', () => {
    const disk = computeShape('disk', 'computeDisk');
    expect(at(disk, 'properties.diskIOPSReadWrite')).toMatchObject({ kind: 'scalar' });
    expect(at(disk, 'properties.diskIOPSReadWrite')?.readOnly).toBeFalsy();
    expect(at(disk, 'properties.diskSizeGB')?.readOnly).toBeFalsy();
    for (const ro of ['properties.provisioningState', 'properties.diskState', 'properties.uniqueId', 'managedBy', 'id', 'name'])
      expect(at(disk, ro)?.readOnly, ro).toBe(true);
    expect(at(disk, 'properties.timeCreated')).toMatchObject({ kind: 'scalar', type: 'date', readOnly: true });
    expect(at(disk, 'zones')?.kind).toBe('array');
    expect(at(disk, 'tags')?.kind).toBe('map');
  });

  it('reads VM data disks with toBeDetached and detachOption writable', () => {
    const vm = computeShape('virtualMachine');
    const dd = at(vm, 'properties.storageProfile.dataDisks.[]');
    expect(dd?.kind).toBe('object');
    for (const f of ['lun', 'toBeDetached', 'detachOption', 'managedDisk', 'createOption']) expect(at(dd!, f)?.readOnly, f).toBeFalsy();
    expect(at(vm, 'properties.instanceView')?.readOnly).toBe(true);
  });

  it('reads network models from the Mappers, with the properties. flattening and types', () => {
    const lb = networkShape('LoadBalancer');
    expect(at(lb, 'properties.frontendIPConfigurations.[].properties.privateIPAddress')).toMatchObject({ kind: 'scalar', type: 'string' });
    expect(at(lb, 'properties.backendAddressPools.[].properties.backendIPConfigurations')?.readOnly).toBe(true);
    expect(at(lb, 'properties.probes.[].properties.port')).toMatchObject({ type: 'number' });
    expect(at(lb, 'properties.loadBalancingRules.[].properties.enableFloatingIP')).toMatchObject({ type: 'boolean' });
  });

  it('checks a body against the shape: drops read-only and unknown fields, refuses wrong structure or types', () => {
    const disk = computeShape('disk', 'computeDisk');
    const body = readBody(disk, { location: 'eastus', managedBy: 'x', bogus: 1, properties: { diskSizeGB: 4, diskState: 'Attached', creationData: { createOption: 'Empty' } } });
    expect(body).toEqual({ location: 'eastus', properties: { diskSizeGB: 4, creationData: { createOption: 'Empty' } } });
    expect(() => readBody(disk, { properties: { creationData: 'Empty' } })).toThrow(/could not be deserialized/);
    expect(() => readBody(disk, { zones: '1' })).toThrow(/array/);
    const pip = networkShape('PublicIPAddress');
    expect(() => readBody(pip, { properties: { idleTimeoutInMinutes: 'four' } })).toThrow(/integer/);
    expect(readBody(pip, { properties: { idleTimeoutInMinutes: '4' } })).toEqual({ properties: { idleTimeoutInMinutes: 4 } });
    expect(render(disk, { id: 'i', _pending: {}, properties: { diskSizeGB: 4, note: 'x' } })).toEqual({ id: 'i', properties: { diskSizeGB: 4 } });
  });
});
