import { canonical, clone, isObject, objectAt, type Json, type JsonObject } from './json';

/**
 * The defaults the API server fills in before it stores a workload (k8s.io/kubernetes
 * pkg/apis/apps/v1/defaults.go and core/v1/defaults.go, the fields a rollback client or kubectl can
 * see). Storing defaulted templates matters: `kubectl rollout undo` sends a template back with
 * `resources: {}` and `creationTimestamp: null`, and the controller must recognise it as the same
 * template, or it would start a new ReplicaSet instead of reusing the old one.
 */

export const POD_TEMPLATE_HASH = 'pod-template-hash';

function setDefault(object: JsonObject, key: string, value: Json): void {
  if (object[key] === undefined || object[key] === null) object[key] = value;
}

/** IfNotPresent for a pinned tag or digest, Always for `:latest` or no tag (core/v1 SetDefaults_Container). */
function pullPolicy(image: Json | undefined): string {
  if (typeof image !== 'string') return 'IfNotPresent';
  if (image.includes('@')) return 'IfNotPresent';
  const lastPart = image.slice(image.lastIndexOf('/') + 1);
  const tag = lastPart.includes(':') ? lastPart.slice(lastPart.indexOf(':') + 1) : '';
  return tag === '' || tag === 'latest' ? 'Always' : 'IfNotPresent';
}

function defaultProbe(probe: Json | undefined): void {
  if (!isObject(probe)) return;
  setDefault(probe, 'timeoutSeconds', 1);
  setDefault(probe, 'periodSeconds', 10);
  setDefault(probe, 'successThreshold', 1);
  setDefault(probe, 'failureThreshold', 3);
  if (isObject(probe['httpGet'])) setDefault(probe['httpGet'], 'scheme', 'HTTP');
}

function defaultContainer(container: Json): void {
  if (!isObject(container)) return;
  setDefault(container, 'resources', {});
  setDefault(container, 'terminationMessagePath', '/dev/termination-log');
  setDefault(container, 'terminationMessagePolicy', 'File');
  setDefault(container, 'imagePullPolicy', pullPolicy(container['image']));
  if (Array.isArray(container['ports'])) {
    for (const port of container['ports']) if (isObject(port)) setDefault(port, 'protocol', 'TCP');
  }
  defaultProbe(container['livenessProbe']);
  defaultProbe(container['readinessProbe']);
  defaultProbe(container['startupProbe']);
}

function defaultVolume(volume: Json): void {
  if (!isObject(volume)) return;
  for (const source of ['configMap', 'secret']) {
    if (isObject(volume[source])) setDefault(volume[source], 'defaultMode', 420);
  }
}

/** Defaults a pod template in place (also used on the templates of ReplicaSets and revisions). */
export function defaultPodTemplate(template: JsonObject): JsonObject {
  const metadata = objectAt(template, 'metadata');
  // Go writes a zero metav1.Time as null; a real server shows templates with it (kubectl sends it back).
  if (!('creationTimestamp' in metadata)) metadata['creationTimestamp'] = null;
  const spec = objectAt(template, 'spec');
  setDefault(spec, 'restartPolicy', 'Always');
  setDefault(spec, 'terminationGracePeriodSeconds', 30);
  setDefault(spec, 'dnsPolicy', 'ClusterFirst');
  setDefault(spec, 'securityContext', {});
  setDefault(spec, 'schedulerName', 'default-scheduler');
  for (const list of ['containers', 'initContainers']) {
    if (Array.isArray(spec[list])) for (const c of spec[list]) defaultContainer(c);
  }
  if (Array.isArray(spec['volumes'])) for (const v of spec['volumes']) defaultVolume(v);
  return template;
}

export function defaultDeploymentSpec(spec: JsonObject): void {
  setDefault(spec, 'replicas', 1);
  const strategy = objectAt(spec, 'strategy');
  setDefault(strategy, 'type', 'RollingUpdate');
  if (strategy['type'] === 'RollingUpdate') {
    const rolling = objectAt(strategy, 'rollingUpdate');
    setDefault(rolling, 'maxUnavailable', '25%');
    setDefault(rolling, 'maxSurge', '25%');
  }
  setDefault(spec, 'revisionHistoryLimit', 10);
  setDefault(spec, 'progressDeadlineSeconds', 600);
  defaultPodTemplate(objectAt(spec, 'template'));
}

export function defaultStatefulSetSpec(spec: JsonObject): void {
  setDefault(spec, 'replicas', 1);
  setDefault(spec, 'podManagementPolicy', 'OrderedReady');
  // Quirk of apps/v1 defaulting: rollingUpdate {partition: 0} only when the type was left empty.
  const strategy = objectAt(spec, 'updateStrategy');
  if (strategy['type'] === undefined || strategy['type'] === null) {
    strategy['type'] = 'RollingUpdate';
    setDefault(objectAt(strategy, 'rollingUpdate'), 'partition', 0);
  }
  setDefault(spec, 'revisionHistoryLimit', 10);
  setDefault(spec, 'persistentVolumeClaimRetentionPolicy', { whenDeleted: 'Retain', whenScaled: 'Retain' });
  defaultPodTemplate(objectAt(spec, 'template'));
}

export function defaultReplicaSetSpec(spec: JsonObject): void {
  setDefault(spec, 'replicas', 1);
  defaultPodTemplate(objectAt(spec, 'template'));
}

/**
 * The template as the controllers compare it (`EqualIgnoreHash`): defaulted, without the
 * pod-template-hash label and a null creationTimestamp, independent of key order.
 */
export function templateIdentity(template: Json | undefined): string {
  const copy = defaultPodTemplate(isObject(template) ? clone(template) : {});
  const metadata = objectAt(copy, 'metadata');
  if (metadata['creationTimestamp'] === null) delete metadata['creationTimestamp'];
  if (isObject(metadata['labels'])) {
    delete metadata['labels'][POD_TEMPLATE_HASH];
    if (Object.keys(metadata['labels']).length === 0) delete metadata['labels'];
  }
  if (isObject(metadata['annotations']) && Object.keys(metadata['annotations']).length === 0) {
    delete metadata['annotations'];
  }
  return canonical(copy);
}

const SAFE_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/**
 * A short hash of a template, shaped like the controllers' (FNV-32a, then apimachinery's
 * SafeEncodeString of its decimal form, so names look like `web-7c5b8f9d6`).
 */
export function templateHash(template: Json | undefined, collisionCount = 0): string {
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(`${templateIdentity(template)}#${collisionCount}`, 'utf8')) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return [...String(hash)].map((c) => SAFE_ALPHABET[c.charCodeAt(0) % SAFE_ALPHABET.length]).join('');
}
