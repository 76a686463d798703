import { INestApplication } from '@nestjs/common';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { pascalCase } from '../core/naming';
import { ColumnModel } from '../core/sync-kernel/table-model';
import { wireColumns } from '../core/sync-kernel/sql';
import { jsonSchemaOf } from './column-codec';
import { CompiledResource } from './compiled-resource';
import { PAGE_SIZE } from './crud-engine';
import { CrudResources } from './crud-resources';
import { collectionPath, openApiPath } from './resource-definition';

type Json = Record<string, unknown>;

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const schemaName = (r: CompiledResource, suffix = '') => pascalCase(r.def.name) + suffix;

function objectSchema(columns: ColumnModel[], required: ColumnModel[] = [], readOnly = false): Json {
  return {
    type: 'object',
    additionalProperties: false,
    properties: Object.fromEntries(columns.map((c) => [c.property, { ...jsonSchemaOf(c), ...(readOnly && c.managed ? { readOnly: true } : {}) }])),
    ...(required.length ? { required: required.map((c) => c.property) } : {}),
  };
}

function errors(codes: number[]): Json {
  const text: Record<number, string> = {
    400: 'ERR_VALIDATION: details.fields lists each field and problem',
    401: 'ERR_NO_TOKEN / ERR_INVALID_TOKEN / ERR_TOKEN_EXPIRED',
    404: 'ERR_NOT_FOUND',
    409: 'ERR_UNIQUE_VIOLATION / ERR_STILL_REFERENCED',
    422: 'ERR_REFERENCE_NOT_FOUND: names the field and value',
  };
  return Object.fromEntries(codes.map((c) => [c, { description: text[c], content: { 'application/json': { schema: ref('Error') } } }]));
}

/** OpenAPI path and schema entries of every CRUD resource, generated from the resource table. */
export function crudOpenApi(resources: CompiledResource[]): { paths: Json; schemas: Json } {
  const paths: Record<string, Json> = {};
  const schemas: Json = {
    Error: { type: 'object', properties: { error: { type: 'string' }, message: { type: 'string' } }, required: ['error', 'message'] },
  };
  for (const r of resources) {
    const name = schemaName(r);
    schemas[name] = objectSchema(wireColumns(r.model), [], true);
    schemas[`${name}Create`] = objectSchema(r.creatable, r.required);
    schemas[`${name}Update`] = objectSchema(r.updatable);
    const param = (p: { param: string; column: ColumnModel }) => ({ name: p.param, in: 'path', required: true, schema: jsonSchemaOf(p.column) });
    const scopeParams = r.scope.map(param);
    const itemParams = [...scopeParams, ...r.item.map(param)];
    const base = { tags: [r.def.tag], security: [{ bearer: [] }] };
    const body = (schema: string) => ({ required: true, content: { 'application/json': { schema: ref(schema) } } });
    const one = (status: number, description: string) => ({ [status]: { description, content: { 'application/json': { schema: ref(name) } } } });
    const collection = (paths[openApiPath(collectionPath(r.def))] ??= {});
    const item = (paths[openApiPath(r.def.path)] ??= {});
    if (!r.def.single) {
      const filters = wireColumns(r.model)
        .filter((c) => c.type !== 'jsonb' && !r.scope.some((s) => s.column === c))
        .map((c) => ({ name: c.property, in: 'query', required: false, schema: jsonSchemaOf(c), description: 'equality filter' }));
      collection.get = {
        ...base,
        operationId: `${r.def.name}.list`,
        summary: `List ${r.def.name} (paged, filtered by equality)`,
        parameters: [
          ...scopeParams,
          { name: 'page', in: 'query', required: false, schema: { type: 'integer', minimum: 1, default: 1 } },
          { name: 'pageSize', in: 'query', required: false, schema: { type: 'integer', minimum: 1, maximum: PAGE_SIZE.max, default: PAGE_SIZE.default } },
          ...filters,
        ],
        responses: {
          200: {
            description: 'a page',
            content: {
              'application/json': {
                schema: {
                  type: 'object',
                  properties: {
                    data: { type: 'array', items: ref(name) },
                    page: { type: 'integer' },
                    pageSize: { type: 'integer' },
                    totalRecords: { type: 'integer' },
                    totalPages: { type: 'integer' },
                  },
                },
              },
            },
          },
          ...errors([400, 401, 404]),
        },
      };
    }
    collection.post = {
      ...base,
      operationId: `${r.def.name}.create`,
      summary: `Create ${r.def.name}`,
      parameters: scopeParams,
      requestBody: body(`${name}Create`),
      responses: { ...one(201, 'created'), ...errors([400, 401, 404, 409, 422]) },
    };
    item.get = { ...base, operationId: `${r.def.name}.get`, summary: `Get ${r.def.name}`, parameters: itemParams, responses: { ...one(200, 'the row'), ...errors([400, 401, 404]) } };
    item.patch = {
      ...base,
      operationId: `${r.def.name}.update`,
      summary: `Update ${r.def.name} (partial)`,
      parameters: itemParams,
      requestBody: body(`${name}Update`),
      responses: { ...one(200, 'updated'), ...errors([400, 401, 404, 409, 422]) },
    };
    item.delete = {
      ...base,
      operationId: `${r.def.name}.delete`,
      summary: `Delete ${r.def.name} (leaves a tombstone; children follow the FK rules)`,
      parameters: itemParams,
      responses: { 204: { description: 'deleted' }, ...errors([400, 401, 404, 409]) },
    };
  }
  return { paths, schemas };
}

/** Serves the node's OpenAPI document at /api/docs (UI) and /api/docs-json, built on first request. */
export function setupApiDocs(app: INestApplication): void {
  SwaggerModule.setup('api/docs', app, (): OpenAPIObject => {
    const config = new DocumentBuilder()
      .setTitle('PRISM research node')
      .setDescription('Research data API (user JWT), node registry, handshake and sync routes.')
      .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' }, 'bearer')
      .build();
    const document = SwaggerModule.createDocument(app, config);
    const crud = crudOpenApi(app.get(CrudResources, { strict: false }).all());
    document.paths = { ...document.paths, ...(crud.paths as OpenAPIObject['paths']) };
    document.components = { ...document.components, schemas: { ...document.components?.schemas, ...(crud.schemas as Record<string, never>) } };
    return document;
  });
}
