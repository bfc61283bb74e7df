/**
 * fauxcloud as a Testcontainers module (`fauxcloud/testcontainers`), the way LocalStack's is used:
 *
 *   const cloud = await new FauxcloudContainer().withScenario('ebs-attach-stuck').withSeed(7).start();
 *   const ec2 = new EC2Client(cloud.aws());
 *   await cloud.admin.advanceClock(60_000);
 *
 * `testcontainers` is a peer dependency: the module is only loaded by tests that use it.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { AbstractStartedContainer, GenericContainer, Wait, type StartedTestContainer } from 'testcontainers';
import { FauxcloudAdmin } from './admin-client.js';

export { FauxcloudAdmin, type JournalEntry, type JournalQuery } from './admin-client.js';

export const HTTP_PORT = 4600;
export const HTTPS_PORT = 4601;
const SCENARIO_DIR = '/etc/fauxcloud/scenarios';

export class FauxcloudContainer extends GenericContainer {
  constructor(image = process.env.FAUXCLOUD_IMAGE ?? 'fauxcloud:local') {
    super(image);
    this.withExposedPorts(HTTP_PORT, HTTPS_PORT)
      .withEnvironment({ FAUXCLOUD_TLS_NAMES: 'localhost,host.docker.internal' })
      .withWaitStrategy(Wait.forHttp('/_fauxcloud/health', HTTP_PORT).forStatusCode(200))
      .withStartupTimeout(60_000);
  }

  /** A shipped scenario by name (`default`, `ec2-throttle-storm`, …), or a YAML file on this machine. */
  withScenario(nameOrFile: string): this {
    if (!nameOrFile.endsWith('.yaml') && !nameOrFile.endsWith('.yml')) return this.withEnvironment({ FAUXCLOUD_SCENARIO: nameOrFile });
    return this.withScenarioYaml(readFileSync(nameOrFile, 'utf8'), basename(nameOrFile));
  }

  /** A scenario given as YAML text: copied into the container and named at start-up. */
  withScenarioYaml(yaml: string, fileName = 'scenario.yaml'): this {
    const target = `${SCENARIO_DIR}/${fileName}`;
    return this.withCopyContentToContainer([{ content: yaml, target }]).withEnvironment({ FAUXCLOUD_SCENARIO: target });
  }

  withSeed(seed: string | number): this {
    return this.withEnvironment({ FAUXCLOUD_SEED: String(seed) });
  }

  withLogLevel(level: 'fatal' | 'error' | 'warn' | 'info' | 'debug'): this {
    return this.withEnvironment({ FAUXCLOUD_LOG_LEVEL: level });
  }

  override async start(): Promise<StartedFauxcloudContainer> {
    const started = new StartedFauxcloudContainer(await super.start());
    await started.loadCa();
    return started;
  }
}

export class StartedFauxcloudContainer extends AbstractStartedContainer {
  private ca = '';
  readonly admin: FauxcloudAdmin;

  constructor(started: StartedTestContainer) {
    super(started);
    const base = `${this.httpUrl}/_fauxcloud`;
    this.admin = new FauxcloudAdmin((path, init) => fetch(`${base}${path}`, init));
  }

  get httpUrl(): string {
    return `http://${this.getHost()}:${this.getMappedPort(HTTP_PORT)}`;
  }

  get httpsUrl(): string {
    return `https://${this.getHost()}:${this.getMappedPort(HTTPS_PORT)}`;
  }

  /** The PEM of the CA that signs the HTTPS listener (trust it for `httpsUrl`). */
  get caPem(): string {
    return this.ca;
  }

  /** @internal */
  async loadCa(): Promise<void> {
    const res = await fetch(`${this.httpUrl}/_fauxcloud/ca.pem`);
    if (res.ok) this.ca = await res.text();
  }

  /** Client options for the AWS SDK v3 (`new EC2Client(cloud.aws())`): any key works. */
  aws(region = 'us-east-1'): { endpoint: string; region: string; credentials: { accessKeyId: string; secretAccessKey: string } } {
    return { endpoint: this.httpUrl, region, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } };
  }

  /** Client options for `@google-cloud/compute` (REST fallback over plain HTTP) and the metadata host. */
  gcp(): { fallback: true; apiEndpoint: string; port: number; protocol: 'http'; projectId: string; metadataHost: string } {
    const port = this.getMappedPort(HTTP_PORT);
    return { fallback: true, apiEndpoint: this.getHost(), port, protocol: 'http', projectId: 'fauxcloud-project', metadataHost: `${this.getHost()}:${port}` };
  }

  /** Environment variables that point SDKs and components at this container. */
  env(): Record<string, string> {
    return {
      AWS_ENDPOINT_URL: this.httpUrl,
      AWS_REGION: 'us-east-1',
      AWS_DEFAULT_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      GCE_METADATA_HOST: `${this.getHost()}:${this.getMappedPort(HTTP_PORT)}`,
    };
  }
}
