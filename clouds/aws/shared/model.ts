/**
 * AWS wire models, from the Smithy schemas the maintained @aws-sdk/client-* packages ship
 * (compiled into their dist-cjs bundles), read through @smithy/core's NormalizedSchema.
 * Nothing is copied into this repo. Loaded on the first AWS request: the EC2 bundle costs
 * ~150 ms and ~70 MB, which start-up should not pay for clouds a run never calls.
 */
import { createRequire } from 'node:module';
import { NormalizedSchema } from '@smithy/core/schema';

const require = createRequire(import.meta.url);

export type SchemaRef = Parameters<typeof NormalizedSchema.of>[0];

export interface ServiceModel {
  /** Operation schema (`[9, ns, name, traits, input, output]`) by operation name. */
  operation(name: string): OperationModel | undefined;
}

export interface OperationModel {
  name: string;
  input: NormalizedSchema;
  output: NormalizedSchema;
}

const cache = new Map<string, ServiceModel>();

/** The model of one service, by its npm package (e.g. `@aws-sdk/client-ec2`). */
export function serviceModel(pkg: string): ServiceModel {
  let model = cache.get(pkg);
  if (!model) {
    const exports = require(pkg) as Record<string, unknown>;
    const ops = new Map<string, OperationModel | null>();
    model = {
      operation(name: string): OperationModel | undefined {
        let op = ops.get(name);
        if (op === undefined) {
          // Operation schemas are exported as `<Operation>$`; shapes share that namespace, so
          // check the tag: 9 marks an operation.
          const schema = exports[`${name}$`];
          op = Array.isArray(schema) && schema[0] === 9 ? toOperation(name, schema) : null;
          ops.set(name, op);
        }
        return op ?? undefined;
      },
    };
    cache.set(pkg, model);
  }
  return model;
}

function toOperation(name: string, schema: readonly unknown[]): OperationModel {
  // [9, namespace, name, traits, input, output]; input and output are thunks or schema refs.
  return { name, input: NormalizedSchema.of(schema[4] as SchemaRef), output: NormalizedSchema.of(schema[5] as SchemaRef) };
}

export { NormalizedSchema };
