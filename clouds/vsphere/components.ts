/**
 * The config files of the vSphere components fauxcloud proves (`fauxcloud config <component>`):
 * the cloud provider's vsphere.conf (its YAML form) and the CSI driver's csi-vsphere.conf (INI).
 * vSphere clients speak HTTPS only; the CA file, when there is one, replaces insecure-flag.
 */
import type { ComponentConfig } from '../../core/component-config.js';

export interface VsphereDefaults {
  host: string;
  port: number;
  user: string;
  password: string;
  datacenter: string;
  caPath?: string;
}

export function vsphereComponents(d: VsphereDefaults): ComponentConfig[] {
  const trust = d.caPath ? { insecureFlag: false, caFile: d.caPath } : { insecureFlag: true };
  return [
    {
      component: 'vsphere-cloud-controller-manager',
      summary: 'vsphere-cloud-controller-manager: --cloud-provider=vsphere --cloud-config=vsphere.conf (the YAML form).',
      files: [
        {
          name: 'vsphere.conf',
          format: 'yaml',
          value: {
            global: { port: d.port, ...trust },
            vcenter: { fauxcloud: { server: d.host, user: d.user, password: d.password, datacenters: [d.datacenter] } },
            labels: { zone: 'k8s-zone', region: 'k8s-region' },
          },
        },
      ],
      notes: ['The provider serves its own API on a fixed port unless "global.apiDisable=true" is set.'],
    },
    {
      component: 'vsphere-csi-driver',
      summary: 'vsphere-csi-driver (controller and node): the csi-vsphere.conf Secret, at the path $VSPHERE_CSI_CONFIG names.',
      files: [
        {
          name: 'csi-vsphere.conf',
          format: 'ini',
          sections: [
            { name: 'Global', keys: { 'cluster-id': 'fauxcloud' } },
            {
              name: `VirtualCenter "${d.host}"`,
              keys: { port: String(d.port), user: d.user, password: d.password, datacenters: d.datacenter, 'insecure-flag': !d.caPath, ...(d.caPath ? { 'ca-file': d.caPath } : {}) },
            },
          ],
        },
      ],
    },
  ];
}
