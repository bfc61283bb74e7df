/**
 * Route schemas compiled on a route's first request instead of at start-up. fastify compiles every
 * route's validator (ajv) and response serializer (fast-json-stringify) while it boots, which was
 * the largest single cost of starting fauxcloud (issue #16); most routes are never called in a
 * run. The compilers are fastify's own defaults, loaded on first use, so answers are unchanged.
 * A schema error now shows on the route's first call rather than at start: the schemas are
 * static and every admin route is exercised by the tests.
 */
import { createRequire } from 'node:module';
import type { FastifyServerOptions } from 'fastify';

type Validate = ((data: unknown) => unknown) & { errors?: unknown };
type RouteSchema = Record<string, unknown>;
type CompilerFactory<F> = (externalSchemas: unknown, options: unknown) => (route: RouteSchema) => F;
type CompilersFactory = NonNullable<NonNullable<FastifyServerOptions['schemaController']>['compilersFactory']>;

const require = createRequire(import.meta.url);

function lazyFactory<F>(load: () => CompilerFactory<F>, wrap: (compile: () => F) => F): CompilerFactory<F> {
  let selector: CompilerFactory<F> | undefined;
  return (externalSchemas, options) => {
    let compiler: ((route: RouteSchema) => F) | undefined;
    const compilerOf = () => (compiler ??= (selector ??= load())(externalSchemas, options));
    return (route) => {
      let fn: F | undefined;
      return wrap(() => (fn ??= compilerOf()(route)));
    };
  };
}

/** fastify's `schemaController.compilersFactory`, compiling each schema when it is first used. */
export function lazySchemaCompilers(): CompilersFactory {
  const factory = {
    buildValidator: lazyFactory<Validate>(
      () => (require('@fastify/ajv-compiler') as () => CompilerFactory<Validate>)(),
      (compile) => {
        // fastify reads ajv's failures from the function it holds: copy them over after each call.
        const validate: Validate = (data) => {
          const real = compile();
          const ok = real(data);
          validate.errors = real.errors;
          return ok;
        };
        return validate;
      },
    ),
    buildSerializer: lazyFactory<(data: unknown) => string>(
      () => (require('@fastify/fast-json-stringify-compiler') as () => CompilerFactory<(data: unknown) => string>)(),
      (compile) => (data) => compile()(data),
    ),
  };
  // fastify's declared types are the compilers' own overloads; the calls pass through unchanged.
  return factory as unknown as CompilersFactory;
}
