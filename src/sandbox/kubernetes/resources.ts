import { defaultDeploymentSpec, defaultReplicaSetSpec, defaultStatefulSetSpec } from './defaults';
import { deepEqual, field, type JsonObject } from './json';

/**
 * The resources the emulator serves and what differs between them: names for discovery, the
 * defaults the registry applies, and which changes bump `metadata.generation`
 * (pkg/registry/apps/*\/strategy.go: a Deployment's annotations count, a StatefulSet's do not).
 */

export interface ResourceType {
  /** Plural, as in the URL. */
  name: string;
  singular: string;
  kind: string;
  group: string;
  version: string;
  namespaced: boolean;
  shortNames: string[];
  categories: string[];
  verbs: string[];
  subresources: Array<'status' | 'scale'>;
  /** The registry's defaulting of `spec`, in place. */
  defaultSpec?: (spec: JsonObject) => void;
  /** Whether a write from `before` to `after` is a new generation. undefined = no generation at all. */
  newGeneration?: (before: JsonObject, after: JsonObject) => boolean;
}

const ALL_VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

const specChanged = (before: JsonObject, after: JsonObject): boolean =>
  !deepEqual(field(before, 'spec'), field(after, 'spec'));

const apps = (r: Omit<ResourceType, 'group' | 'version' | 'namespaced' | 'verbs'>): ResourceType => ({
  group: 'apps',
  version: 'v1',
  namespaced: true,
  verbs: ALL_VERBS,
  ...r,
});

export const RESOURCES: Record<string, ResourceType> = {
  deployments: apps({
    name: 'deployments',
    singular: 'deployment',
    kind: 'Deployment',
    shortNames: ['deploy'],
    categories: ['all'],
    subresources: ['status', 'scale'],
    defaultSpec: defaultDeploymentSpec,
    newGeneration: (before, after) =>
      specChanged(before, after) ||
      !deepEqual(
        field(before, 'metadata', 'annotations') ?? {},
        field(after, 'metadata', 'annotations') ?? {},
      ),
  }),
  statefulsets: apps({
    name: 'statefulsets',
    singular: 'statefulset',
    kind: 'StatefulSet',
    shortNames: ['sts'],
    categories: ['all'],
    subresources: ['status', 'scale'],
    defaultSpec: defaultStatefulSetSpec,
    newGeneration: specChanged,
  }),
  replicasets: apps({
    name: 'replicasets',
    singular: 'replicaset',
    kind: 'ReplicaSet',
    shortNames: ['rs'],
    categories: ['all'],
    subresources: ['status', 'scale'],
    defaultSpec: defaultReplicaSetSpec,
    newGeneration: specChanged,
  }),
  controllerrevisions: apps({
    name: 'controllerrevisions',
    singular: 'controllerrevision',
    kind: 'ControllerRevision',
    shortNames: [],
    categories: [],
    subresources: [],
  }),
};

/** The core group's namespaces: listed from the objects stored (every namespace exists). */
export const NAMESPACES: ResourceType = {
  name: 'namespaces',
  singular: 'namespace',
  kind: 'Namespace',
  group: '',
  version: 'v1',
  namespaced: false,
  shortNames: ['ns'],
  categories: [],
  verbs: ['get', 'list'],
  subresources: [],
};

export function apiVersionOf(type: ResourceType): string {
  return type.group ? `${type.group}/${type.version}` : type.version;
}
