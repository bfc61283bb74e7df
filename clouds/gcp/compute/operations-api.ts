/** zoneOperations / regionOperations / globalOperations: get, wait, list, delete. */
import { defineHandlers, scopeOf, type ComputeCall } from './call.js';
import { listAnswer } from './lists.js';
import { findOperation, OPERATION, renderOperation, waitForOperation, type OperationData } from './operations.js';

const get = (call: ComputeCall) => findOperation(call.tenant, scopeOf(call), call.params['operation']!);

for (const service of ['zoneOperations', 'regionOperations', 'globalOperations'])
  defineHandlers({
    [`${service}.get`]: (call) => renderOperation(call.project, get(call)),
    [`${service}.wait`]: async (call) => {
      const rec = get(call);
      await waitForOperation(call.engine, rec);
      return renderOperation(call.project, rec);
    },
    [`${service}.list`]: (call) => {
      const scope = scopeOf(call);
      const records = call.tenant.collection<OperationData>(OPERATION).list().filter((r) => r.data.scope === scope);
      return listAnswer(call, 'compute#operation', records, (r) => renderOperation(call.project, r), `${scope}/operations`);
    },
    [`${service}.delete`]: (call) => {
      const rec = get(call);
      call.tenant.collection(OPERATION).delete(rec.id);
      return {};
    },
  });
