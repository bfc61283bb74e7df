/**
 * How callers reach the OpenStack cloud: the Keystone URL and the whole `OS_*` set the
 * `openstack` CLI, gophercloud's clientconfig and openstacksdk read, a clouds.yaml entry and
 * cloud.conf's `[Global]` keys (openstack-cloud-controller-manager, cinder-csi-plugin).
 */
import type { ConnectionInfo, ListenerUrls } from '../../core/cloud-api.js';
import type { Engine } from '../../core/engine.js';
import { OS, type AppCredData, type ProjectData, type RegionData, type UserData } from './records.js';
import { cloudTenant } from './identity/tokens.js';

export function openStackConnection(engine: Engine, where: ListenerUrls): ConnectionInfo {
  const cloud = cloudTenant(engine);
  const base = where.httpsUrl ?? where.httpUrl;
  const region = cloud.collection<RegionData>(OS.region).all().next().value;
  const user = cloud.collection<UserData>(OS.user).all().next().value;
  const projectId = user?.data.defaultProjectId;
  const project = projectId ? cloud.collection<ProjectData>(OS.project).peek(projectId) : undefined;
  const appCred = cloud.collection<AppCredData>(OS.appCred).all().next().value;
  const authUrl = `${base}/openstack/identity/v3`;
  const regionName = region?.id ?? 'RegionOne';
  const domain = user?.data.domainId === 'default' || !user ? 'Default' : user.data.domainId;
  const env: Record<string, string> = {
    OS_AUTH_URL: authUrl,
    OS_AUTH_TYPE: 'password',
    OS_IDENTITY_API_VERSION: '3',
    OS_REGION_NAME: regionName,
    OS_INTERFACE: 'public',
    OS_ENDPOINT_TYPE: 'publicURL',
  };
  if (user) {
    env['OS_USERNAME'] = user.data.name;
    env['OS_PASSWORD'] = user.data.password;
    env['OS_USER_DOMAIN_NAME'] = domain;
  }
  if (project) {
    env['OS_PROJECT_NAME'] = project.data.name;
    env['OS_PROJECT_ID'] = project.id;
    env['OS_PROJECT_DOMAIN_NAME'] = project.data.domainId === 'default' ? 'Default' : project.data.domainId;
    env['OS_PROJECT_DOMAIN_ID'] = project.data.domainId;
  }
  if (where.httpsUrl && where.caPath) env['OS_CACERT'] = where.caPath;
  const global: Record<string, string | boolean> = { 'auth-url': authUrl, region: regionName };
  const clouds: Record<string, string | boolean> = { 'auth.auth_url': authUrl, region_name: regionName, interface: 'public', identity_api_version: '3', auth_type: 'password' };
  if (user) {
    Object.assign(global, { username: user.data.name, password: user.data.password, 'user-domain-name': domain });
    Object.assign(clouds, { 'auth.username': user.data.name, 'auth.password': user.data.password, 'auth.user_domain_name': domain });
  }
  if (project) {
    Object.assign(global, { 'tenant-name': project.data.name, 'tenant-id': project.id, 'domain-name': domain });
    Object.assign(clouds, { 'auth.project_name': project.data.name, 'auth.project_id': project.id, 'auth.project_domain_name': domain });
  }
  if (where.httpsUrl && where.caPath) {
    global['ca-file'] = where.caPath;
    clouds['cacert'] = where.caPath;
  }
  const credentials: Record<string, string> = {};
  if (user) Object.assign(credentials, { username: user.data.name, password: user.data.password, userId: user.id });
  if (appCred) Object.assign(credentials, { applicationCredentialId: appCred.id, applicationCredentialName: appCred.data.name, applicationCredentialSecret: appCred.data.secret });
  return {
    urls: {
      identity: authUrl,
      compute: `${base}/openstack/compute/v2.1`,
      volume: `${base}/openstack/volume/v3/${project?.id ?? '{project_id}'}`,
      network: `${base}/openstack/network`,
      'load-balancer': `${base}/openstack/load-balancer`,
      'key-manager': `${base}/openstack/key-manager`,
      metadata: `${where.httpUrl}/openstack/latest/meta_data.json`,
    },
    env,
    config: { 'cloud.conf [Global]': global, 'clouds.yaml clouds.fauxcloud': clouds },
    tenant: project?.id,
    credentials,
    notes: [
      'Service URLs come from the Keystone catalog on the host and scheme the caller used; only the auth URL needs configuring.',
      'The metadata service answers for the server named by the X-Fauxcloud-Instance header (id or name), else the first server; POST /_fauxcloud/listeners pins a port to one server.',
    ],
    components: [
      {
        component: 'openstack-cloud-controller-manager',
        summary: 'openstack-cloud-controller-manager: --cloud-provider=openstack --cloud-config=cloud.conf.',
        files: [{ name: 'cloud.conf', format: 'ini', sections: [{ name: 'Global', keys: global }] }],
        notes: ['Load balancers want "[LoadBalancer] floating-network-id" (and subnet-id); routes want "[Route] router-id".'],
      },
      {
        component: 'cinder-csi-plugin',
        summary: 'cinder-csi-plugin (controller and node): --cloud-config=cloud.conf.',
        files: [{ name: 'cloud.conf', format: 'ini', sections: [{ name: 'Global', keys: global }] }],
      },
    ],
  };
}
