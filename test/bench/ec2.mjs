// Minimal EC2 query-protocol client shared by the readiness probe, the
// seeding step, the sample-body checks, the autocannon load phases and the
// EBS volume flow, so every server gets byte-for-byte the same requests.

export const EC2_API_VERSION = '2016-11-15';
const REGION = 'us-east-1';
const ACCESS_KEY = 'AKIDFAUXCLOUD';

/** 20261125T022944Z — the X-Amz-Date format. */
function amzDate(d = new Date()) {
  return d.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

/**
 * Headers of a plausibly SigV4-signed request. Neither fauxcloud nor moto
 * verifies the signature; they only read the region from the credential scope.
 */
export function ec2Headers() {
  const date = amzDate();
  return {
    'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
    'x-amz-date': date,
    authorization:
      `AWS4-HMAC-SHA256 Credential=${ACCESS_KEY}/${date.slice(0, 8)}/${REGION}/ec2/aws4_request, ` +
      'SignedHeaders=host;x-amz-date, Signature=00',
  };
}

/** `Action=X&Version=2016-11-15&k=v...` */
export function ec2Body(action, params = {}) {
  return new URLSearchParams({ Action: action, Version: EC2_API_VERSION, ...params }).toString();
}

/** One request; never throws for HTTP errors, only for network errors/timeouts. */
export async function ec2Call(baseUrl, action, params = {}, { timeoutMs = 5000 } = {}) {
  const res = await fetch(baseUrl.replace(/\/?$/, '/'), {
    method: 'POST',
    headers: ec2Headers(),
    body: ec2Body(action, params),
    signal: AbortSignal.timeout(timeoutMs),
  });
  return { status: res.status, body: await res.text() };
}

/** "HTTP 400 InvalidAction: The action Foo is not valid" from an EC2 error answer. */
export function describeAnswer({ status, body }) {
  const code = /<Code>([^<]*)<\/Code>/.exec(body)?.[1];
  const message = /<Message>([^<]*)<\/Message>/.exec(body)?.[1];
  if (code) return `HTTP ${status} ${code}${message ? `: ${message}` : ''}`;
  const snippet = body.replace(/\s+/g, ' ').trim().slice(0, 160);
  return `HTTP ${status}${snippet ? ` body: ${snippet}` : ' (empty body)'}`;
}

/**
 * The EC2 side of a load.mjs measurePhase: `action` with `params` as the load
 * request and as the sample, a sample judged by `check(body)` once it is 2xx.
 */
export function ec2Phase(baseUrl, action, params, check) {
  return {
    request: { url: baseUrl, headers: ec2Headers(), body: ec2Body(action, params), label: action },
    sample: () => ec2Call(baseUrl, action, params),
    judge: (answer) => (answer.status >= 200 && answer.status < 300 ? check(answer.body) : describeAnswer(answer)),
  };
}
