/**
 * ServiceInstance (RetrieveServiceContent, CurrentTime) and SessionManager (Login, Logout,
 * SessionIsActive, currentSession): the calls govmomi makes before anything else. Login hands out
 * the `vmware_soap_session` cookie that every other call (and /pbm, /vsanHealth) must carry.
 */
import type { WireObject } from '../wire/codec.js';
import { fault, moref } from '../faults.js';
import type { Session } from '../runtime.js';
import { vcenterAbout } from './about.js';
import type { MethodTable, MoContext, Renderer } from './context.js';

/** Managed objects that exist once per vCenter, by id. */
export const SINGLETONS: Record<string, string> = {
  ServiceInstance: 'ServiceInstance',
  SessionManager: 'SessionManager',
  propertyCollector: 'PropertyCollector',
  ViewManager: 'ViewManager',
  SearchIndex: 'SearchIndex',
  TaskManager: 'TaskManager',
  EventManager: 'EventManager',
  AuthorizationManager: 'AuthorizationManager',
  PerfMgr: 'PerformanceManager',
  ScheduledTaskManager: 'ScheduledTaskManager',
  AlarmManager: 'AlarmManager',
  ExtensionManager: 'ExtensionManager',
  CustomFieldsManager: 'CustomFieldsManager',
  LicenseManager: 'LicenseManager',
  FileManager: 'FileManager',
  virtualDiskManager: 'VirtualDiskManager',
  VStorageObjectManager: 'VcenterVStorageObjectManager',
  VpxSettings: 'OptionManager',
  UserDirectory: 'UserDirectory',
  'cns-volume-manager': 'CnsVolumeManager',
  'cns-debug-manager': 'CnsDebugManager',
  'vsan-cluster-config-system': 'VsanVcClusterConfigSystem',
};

export const SERVICE_INSTANCE_UUID = '5f3c7e0a-9d4b-4c1e-8a36-fa0c10ad0001';

export function serviceContent(): WireObject {
  const r = (id: string) => moref(SINGLETONS[id]!, id);
  return {
    _type: 'ServiceContent',
    rootFolder: moref('Folder', 'group-d1'),
    propertyCollector: r('propertyCollector'),
    viewManager: r('ViewManager'),
    about: vcenterAbout(SERVICE_INSTANCE_UUID),
    setting: r('VpxSettings'),
    userDirectory: r('UserDirectory'),
    sessionManager: r('SessionManager'),
    authorizationManager: r('AuthorizationManager'),
    perfManager: r('PerfMgr'),
    scheduledTaskManager: r('ScheduledTaskManager'),
    alarmManager: r('AlarmManager'),
    eventManager: r('EventManager'),
    taskManager: r('TaskManager'),
    extensionManager: r('ExtensionManager'),
    customFieldsManager: r('CustomFieldsManager'),
    licenseManager: r('LicenseManager'),
    searchIndex: r('SearchIndex'),
    fileManager: r('FileManager'),
    virtualDiskManager: r('virtualDiskManager'),
    vStorageObjectManager: r('VStorageObjectManager'),
  };
}

export function userSession(s: Session): WireObject {
  return {
    _type: 'UserSession',
    key: s.key,
    userName: s.userName,
    fullName: s.userName.split('@')[0],
    loginTime: new Date(s.loginTime),
    lastActiveTime: new Date(s.lastActive),
    locale: 'en',
    messageLocale: 'en',
    extensionSession: false,
    ipAddress: s.ipAddress,
    userAgent: s.userAgent,
    callCount: s.callCount,
  };
}

export const renderServiceInstance: Renderer = (ctx) => ({ content: serviceContent(), serverClock: new Date(ctx.engine.clock.now()), capability: { _type: 'Capability', provisioningSupported: true, multiHostSupported: true, userShellAccessSupported: false } });

export const renderSessionManager: Renderer = (ctx: MoContext) => ({
  currentSession: ctx.session ? userSession(ctx.session) : undefined,
  sessionList: ctx.rt.liveSessions().map(userSession),
  defaultLocale: 'en',
  supportedLocaleList: ['en'],
  messageLocaleList: ['en'],
  message: '',
});

function cookie(ctx: MoContext, value: string, expire = false): string {
  return `vmware_soap_session="${value}"; Path=/; HttpOnly${ctx.secure ? '; Secure' : ''}${expire ? '; Max-Age=0' : ''}`;
}

export const serviceInstanceMethods: MethodTable = {
  RetrieveServiceContent: { on: ['ServiceInstance'], anonymous: true, run: () => serviceContent() },
  CurrentTime: { on: ['ServiceInstance'], anonymous: true, run: (ctx) => new Date(ctx.engine.clock.now()) },
  Login: {
    on: ['SessionManager'],
    anonymous: true,
    run: (ctx, _self, args) => {
      const user = String(args['userName'] ?? '');
      const rec = ctx.inv.tenant.collection<{ password: string }>('vsphere.user').get(user);
      if (!rec || rec.data.password !== String(args['password'] ?? '')) throw fault.invalidLogin();
      const now = ctx.engine.clock.now();
      const key = ctx.engine.ids.uuid('vsphere:session');
      const ua = ctx.headers['user-agent'];
      const s: Session = { key, userName: user, loginTime: now, lastActive: now, callCount: 0, ipAddress: '127.0.0.1', userAgent: typeof ua === 'string' ? ua : undefined };
      ctx.rt.addSession(s);
      ctx.session = s;
      ctx.cookies.push(cookie(ctx, key));
      return userSession(s);
    },
  },
  Logout: {
    on: ['SessionManager'],
    run: (ctx) => {
      if (ctx.session) ctx.rt.endSession(ctx.session.key);
      ctx.cookies.push(cookie(ctx, '', true));
      return undefined;
    },
  },
  SessionIsActive: {
    on: ['SessionManager'],
    run: (ctx, _self, args) => {
      const s = ctx.rt.session(String(args['sessionID'] ?? ''));
      return s !== undefined && s.userName === String(args['userName'] ?? '');
    },
  },
};
