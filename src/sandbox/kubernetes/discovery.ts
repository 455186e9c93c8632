import { createHash } from 'node:crypto';
import type { JsonObject } from './json';
import { apiVersionOf, NAMESPACES, RESOURCES, type ResourceType } from './resources';

/**
 * What kubectl reads before anything else: the version, the legacy discovery documents (kubectl
 * accepts them when it asks for aggregated discovery) with short names and the status and scale
 * subresources, and a minimal OpenAPI v3 so that `kubectl apply -f` can validate without
 * `--validate=false`. Short names come only from here: without `deploy` here, `kubectl get deploy`
 * fails.
 */

export const SERVER_VERSION = {
  major: '1',
  minor: '32',
  gitVersion: 'v1.32.4',
  gitCommit: '59526cd4867447956156ae3a602fcbac10a2c335',
  gitTreeState: 'clean',
  buildDate: '2025-04-22T16:02:27Z',
  goVersion: 'go1.23.6',
  compiler: 'gc',
  platform: 'linux/amd64',
};

function resourceEntries(type: ResourceType): JsonObject[] {
  const main: JsonObject = {
    name: type.name,
    singularName: type.singular,
    namespaced: type.namespaced,
    kind: type.kind,
    verbs: type.verbs,
    ...(type.shortNames.length > 0 ? { shortNames: type.shortNames } : {}),
    ...(type.categories.length > 0 ? { categories: type.categories } : {}),
    storageVersionHash: createHash('sha256').update(type.name).digest('base64').slice(0, 11),
  };
  const subs = type.subresources.map((sub): JsonObject =>
    sub === 'status'
      ? {
          name: `${type.name}/status`,
          singularName: '',
          namespaced: type.namespaced,
          kind: type.kind,
          verbs: ['get', 'patch', 'update'],
        }
      : {
          name: `${type.name}/scale`,
          singularName: '',
          namespaced: type.namespaced,
          group: 'autoscaling',
          version: 'v1',
          kind: 'Scale',
          verbs: ['get', 'patch', 'update'],
        },
  );
  return [main, ...subs];
}

export function apiVersions(serverAddress: string): JsonObject {
  return {
    kind: 'APIVersions',
    versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
  };
}

const APPS_VERSION = { groupVersion: 'apps/v1', version: 'v1' };

export function apiGroupList(): JsonObject {
  return {
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: [{ name: 'apps', versions: [APPS_VERSION], preferredVersion: APPS_VERSION }],
  };
}

export function appsGroup(): JsonObject {
  return {
    kind: 'APIGroup',
    apiVersion: 'v1',
    name: 'apps',
    versions: [APPS_VERSION],
    preferredVersion: APPS_VERSION,
  };
}

export function coreResources(): JsonObject {
  return { kind: 'APIResourceList', groupVersion: 'v1', resources: resourceEntries(NAMESPACES) };
}

export function appsResources(): JsonObject {
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: 'apps/v1',
    resources: Object.values(RESOURCES).flatMap(resourceEntries),
  };
}

const OPENAPI_HASH = createHash('sha256')
  .update(JSON.stringify(appsResources()))
  .digest('hex')
  .slice(0, 16)
  .toUpperCase();

export function openApiRoot(): JsonObject {
  return {
    paths: { 'apis/apps/v1': { serverRelativeURL: `/openapi/v3/apis/apps/v1?hash=${OPENAPI_HASH}` } },
  };
}

/**
 * Just enough of apps/v1's OpenAPI v3 for kubectl's field-validation probe: per kind, the write
 * operations with their group-version-kind and the `fieldValidation` parameter, so kubectl leaves
 * validation to the server (which, here, ignores unknown fields like an old server would).
 */
export function openApiApps(): JsonObject {
  const fieldValidation = {
    name: 'fieldValidation',
    in: 'query',
    schema: { type: 'string', uniqueItems: true },
  };
  const paths: JsonObject = {};
  for (const type of Object.values(RESOURCES)) {
    const gvk = { group: type.group, version: type.version, kind: type.kind };
    const operation = (verb: string): JsonObject => ({
      operationId: `${verb}AppsV1Namespaced${type.kind}`,
      parameters: [fieldValidation],
      'x-kubernetes-action': verb,
      'x-kubernetes-group-version-kind': gvk,
    });
    paths[`/apis/${apiVersionOf(type)}/namespaces/{namespace}/${type.name}`] = { post: operation('post') };
    paths[`/apis/${apiVersionOf(type)}/namespaces/{namespace}/${type.name}/{name}`] = {
      put: operation('put'),
      patch: operation('patch'),
    };
  }
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version: SERVER_VERSION.gitVersion },
    paths,
    components: { schemas: {} },
  };
}
