/**
 * Hand-written model for the one surface callers need that the published protos no longer carry:
 * the legacy `httpHealthChecks` collection (external target-pool load balancers in
 * cloud-provider-gcp still use it). Same shape as protos.json so the model loader merges it;
 * field list from the Compute v1 REST reference.
 */
const opt = { proto3_optional: true };
const str = { type: 'string', options: opt };
const i32 = { type: 'int32', options: opt };
const base = '/compute/v1/projects/{project}/global/httpHealthChecks';
const one = `${base}/{http_health_check}`;
const op = { '(google.cloud.operation_service)': 'GlobalOperations' };

export const LEGACY_V1 = {
  HttpHealthCheck: {
    fields: {
      checkIntervalSec: i32, creationTimestamp: str, description: str, healthyThreshold: i32, host: str,
      id: { type: 'uint64', options: opt }, kind: str, name: str, port: i32, requestPath: str, selfLink: str,
      timeoutSec: i32, unhealthyThreshold: i32,
    },
  },
  HttpHealthCheckList: {
    fields: { id: str, items: { rule: 'repeated', type: 'HttpHealthCheck' }, kind: str, nextPageToken: str, selfLink: str },
  },
  GetHttpHealthCheckRequest: { fields: { httpHealthCheck: str, project: str } },
  DeleteHttpHealthCheckRequest: { fields: { httpHealthCheck: str, project: str, requestId: str } },
  InsertHttpHealthCheckRequest: { fields: { httpHealthCheckResource: { type: 'HttpHealthCheck' }, project: str, requestId: str } },
  UpdateHttpHealthCheckRequest: { fields: { httpHealthCheck: str, httpHealthCheckResource: { type: 'HttpHealthCheck' }, project: str, requestId: str } },
  ListHttpHealthChecksRequest: {
    fields: { filter: str, maxResults: { type: 'uint32', options: opt }, orderBy: str, pageToken: str, project: str, returnPartialSuccess: { type: 'bool', options: opt } },
  },
  HttpHealthChecks: {
    methods: {
      Get: { requestType: 'GetHttpHealthCheckRequest', responseType: 'HttpHealthCheck', options: { '(google.api.http).get': one } },
      List: { requestType: 'ListHttpHealthChecksRequest', responseType: 'HttpHealthCheckList', options: { '(google.api.http).get': base } },
      Delete: { requestType: 'DeleteHttpHealthCheckRequest', responseType: 'Operation', options: { '(google.api.http).delete': one, ...op } },
      Insert: {
        requestType: 'InsertHttpHealthCheckRequest', responseType: 'Operation',
        options: { '(google.api.http).post': base, '(google.api.http).body': 'http_health_check_resource', ...op },
      },
      Update: {
        requestType: 'UpdateHttpHealthCheckRequest', responseType: 'Operation',
        options: { '(google.api.http).put': one, '(google.api.http).body': 'http_health_check_resource', ...op },
      },
      Patch: {
        requestType: 'UpdateHttpHealthCheckRequest', responseType: 'Operation',
        options: { '(google.api.http).patch': one, '(google.api.http).body': 'http_health_check_resource', ...op },
      },
    },
  },
};
