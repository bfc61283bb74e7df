/**
 * vSphere faults as handlers throw them: a CloudError carrying the fault object, rendered as a
 * SOAP fault (HTTP 500) on the SOAP endpoints. The catalogue is also what fault rules may inject
 * by type name (`error: {code: NotAuthenticated}`).
 */
import { CloudError } from '../../core/errors.js';
import type { InjectedError } from '../../core/cloud-api.js';
import type { WireObject } from './wire/codec.js';
import { isA, wireType } from './wire/model.js';

export interface MoRef extends WireObject {
  type: string;
  value: string;
}

export function moref(type: string, value: string): MoRef {
  return { _type: 'ManagedObjectReference', type, value };
}

export class VimFault extends CloudError {
  constructor(
    readonly fault: WireObject,
    message: string,
  ) {
    super(fault._type ?? 'MethodFault', 500, message, { fault });
  }
}

export const fault = {
  notAuthenticated: () => new VimFault({ _type: 'NotAuthenticated', object: moref('SessionManager', 'SessionManager'), privilegeId: 'System.View' }, 'The session is not authenticated.'),
  invalidLogin: () => new VimFault({ _type: 'InvalidLogin' }, 'Cannot complete login due to an incorrect user name or password.'),
  notFoundObj: (ref: { type: string; value: string }) =>
    new VimFault({ _type: 'ManagedObjectNotFound', obj: moref(ref.type, ref.value) }, `The object 'vim.${ref.type}:${ref.value}' has already been deleted or has not been completely created`),
  invalidArgument: (name: string) => new VimFault({ _type: 'InvalidArgument', invalidProperty: name }, `A specified parameter was not correct: ${name}`),
  invalidProperty: (name: string) => new VimFault({ _type: 'InvalidProperty', name }, `A specified parameter was not correct: ${name}`),
  invalidType: (arg: string) => new VimFault({ _type: 'InvalidType', argument: arg }, `A specified parameter was not correct: ${arg}`),
  invalidRequest: (msg: string) => new VimFault({ _type: 'InvalidRequest' }, msg),
  methodNotFound: (receiver: { type: string; value: string }, method: string) =>
    new VimFault({ _type: 'MethodNotFound', receiver: moref(receiver.type, receiver.value), method }, `The method ${method} is not supported on ${receiver.type}`),
  invalidPowerState: (requested: string, existing: string) =>
    new VimFault({ _type: 'InvalidPowerState', requestedState: requested, existingState: existing }, 'The attempted operation cannot be performed in the current state (' + (existing === 'poweredOff' ? 'Powered off' : 'Powered on') + ').'),
  invalidState: (msg = 'The operation is not allowed in the current state.') => new VimFault({ _type: 'InvalidState' }, msg),
  requestCanceled: () => new VimFault({ _type: 'RequestCanceled' }, 'The task was canceled by a user.'),
  invalidCollectorVersion: () => new VimFault({ _type: 'InvalidCollectorVersion' }, 'The collector version is not valid.'),
  notSupported: (msg = 'The operation is not supported on the object.') => new VimFault({ _type: 'NotSupported' }, msg),
  notFound: (msg = 'The object or item referred to could not be found.') => new VimFault({ _type: 'NotFound' }, msg),
};

/** A fault object for a type name from a fault rule; unknown names become a SystemError with that reason. */
export function injectedFault(err: InjectedError): VimFault {
  const type = err.code;
  if (type === 'NotAuthenticated') return fault.notAuthenticated();
  if (type && wireType(type) && isA(type, 'MethodFault')) return new VimFault({ _type: type }, err.message ?? `${type} (injected by fauxcloud)`);
  if (err.throttle) return new VimFault({ _type: 'SystemError', reason: 'throttled' }, err.message ?? 'A general system error occurred: too many requests');
  return new VimFault({ _type: 'SystemError', reason: type || 'fault' }, err.message ?? `A general system error occurred: ${type || 'fault'}`);
}

/** LocalizedMethodFault, as TaskInfo.error and CNS results carry a fault. */
export function localized(f: VimFault): WireObject {
  return { _type: 'LocalizedMethodFault', fault: f.fault, localizedMessage: f.message };
}
