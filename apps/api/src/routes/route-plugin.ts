import type { FastifyPluginOptions } from 'fastify';
import type { FastifyPluginAsyncJsonSchemaToTs } from '@fastify/type-provider-json-schema-to-ts';
import type { AppDeps } from '../app.js';
import type { SchemaTypeOptions } from '../schemas.js';

/**
 * A plugin of REST routes whose body, querystring, params, headers and reply types come from their JSON schemas
 * (`as const`), through json-schema-to-ts, with the shared schemas resolving `$ref`s: a REST shape is declared once.
 */
export type RoutePlugin = RoutePluginWith<AppDeps>;

/** A RoutePlugin whose options are not (only) the app's deps, e.g. a function given by whoever registers it. */
export type RoutePluginWith<Options extends FastifyPluginOptions> = FastifyPluginAsyncJsonSchemaToTs<{
  Options: Options;
  ValidatorSchemaOptions: SchemaTypeOptions;
  SerializerSchemaOptions: SchemaTypeOptions;
}>;
