/** Every cloud fauxcloud serves, in the order their plugins register. */
import type { CloudPlugin } from '../core/app.js';
import aws from './aws/index.js';
import gcp from './gcp/index.js';
import azure from './azure/index.js';
import openstack from './openstack/index.js';
import vsphere from './vsphere/index.js';

export const allClouds: readonly CloudPlugin[] = [aws, gcp, azure, openstack, vsphere];
