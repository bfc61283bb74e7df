/** What this vCenter says it is (AboutInfo), and what its hosts say. CSI checks apiVersion ≥ 7.0U3 for snapshots. */
import type { WireObject } from '../wire/codec.js';

export const API_VERSION = '8.0.3.0';

export function vcenterAbout(instanceUuid: string): WireObject {
  return {
    _type: 'AboutInfo',
    name: 'VMware vCenter Server',
    fullName: 'VMware vCenter Server 8.0.3 build-24322831 (fauxcloud)',
    vendor: 'VMware, Inc.',
    version: '8.0.3',
    build: '24322831',
    localeVersion: 'INTL',
    localeBuild: '000',
    osType: 'linux-x64',
    productLineId: 'vpx',
    apiType: 'VirtualCenter',
    apiVersion: API_VERSION,
    instanceUuid,
    licenseProductName: 'VMware VirtualCenter Server',
    licenseProductVersion: '8.0',
  };
}

export function esxAbout(): WireObject {
  return {
    _type: 'AboutInfo',
    name: 'VMware ESXi',
    fullName: 'VMware ESXi 8.0.3 build-24022510',
    vendor: 'VMware, Inc.',
    version: '8.0.3',
    build: '24022510',
    localeVersion: 'INTL',
    localeBuild: '000',
    osType: 'vmnix-x86',
    productLineId: 'embeddedEsx',
    apiType: 'HostAgent',
    apiVersion: API_VERSION,
    licenseProductName: 'VMware ESX Server',
    licenseProductVersion: '8.0',
  };
}
