import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CertificateAuthority, type IssuedCertificate } from './certificates';
import { DeploymentController } from './deployment-controller';
import { clone, field, isObject, type Json, type JsonObject } from './json';
import { kubeconfigDocument, writeKubeconfig } from './kubeconfig';
import { RESOURCES } from './resources';
import { RolloutSettings, type HangOptions } from './rollout-settings';
import { KubernetesServer, peerCertificate, type RecordedRequest } from './server';
import { KubernetesState } from './state';
import { StatefulSetController } from './statefulset-controller';
import { ObjectStore } from './store';
import { applyStrategicMergePatch } from './strategic-merge-patch';
import { Timers } from './timers';

/**
 * A Kubernetes API server on loopback for Deployments and StatefulSets, good enough for kubectl
 * and for the rollback tool (../shared/reference/kubernetes.md §7): HTTPS with its own CA,
 * bearer tokens and client certificates, discovery, reads, lists, watches, the three patch types,
 * and the deployment and StatefulSet controllers' part simulated on timers. Used by the tests,
 * `rollback sandbox --kubernetes` and `rollback demo --kubernetes`.
 */

export { deploymentManifest, statefulSetManifest, type ContainerSpec, type WorkloadSpec } from './manifests';
export { seedKubernetesStory, type StoryWorkload } from './story';
export type { RecordedRequest } from './server';
export type { HangOptions } from './rollout-settings';
export type { IssuedCertificate } from './certificates';
export type { Json, JsonObject } from './json';

export type ResourceName = 'deployments' | 'statefulsets' | 'replicasets' | 'controllerrevisions';

export interface KubernetesEmulatorOptions {
  /** Loopback only; default 127.0.0.1. */
  host?: string;
  /** Default 0: a free port. */
  port?: number;
  /** Users and their bearer tokens; default one user `admin` with a random token. */
  tokens?: Record<string, string>;
  /** How long a rollout takes from a template change until all replicas are ready (default 1000 ms). */
  rolloutMs?: number;
}

export interface KubeconfigOptions {
  /** `token` (default), `client-certificate`, or `wrong-token` (a token the emulator refuses). */
  credentials?: 'token' | 'client-certificate' | 'wrong-token';
  /** Default `admin` (or the first user of options.tokens). */
  user?: string;
  /** The context's namespace; default `default`. */
  namespace?: string;
  /** Context name; default `emulator`. */
  context?: string;
  /** Where to write it (mode 0600); default a new file in a folder the emulator removes on close(). */
  file?: string;
}

export interface RequestFilter {
  method?: string;
  /** A string matches the path without its query exactly; a RegExp is tested on path and query. */
  path?: string | RegExp;
}

export interface KubernetesEmulator {
  /** https://127.0.0.1:PORT */
  url: string;
  /** PEM of the emulator's CA (the kubeconfig's certificate-authority-data). */
  caCert: string;
  /** Writes a kubeconfig for this emulator and returns its path. */
  kubeconfig(options?: KubeconfigOptions): string;
  /** The bearer token of a user (default: the default user). */
  token(user?: string): string;
  /** A client certificate and key for `user` (CN) in `groups` (O), signed by the emulator's CA. */
  clientCertificate(user: string, groups?: string[]): IssuedCertificate;
  /** Seeds a Deployment as if rolled out long ago: revision 1, every replica ready. Returns it as stored. */
  addDeployment(manifest: JsonObject): JsonObject;
  /** Seeds a StatefulSet as if rolled out long ago: one ControllerRevision, every pod ready. */
  addStatefulSet(manifest: JsonObject): JsonObject;
  /** An object as GET would show it (a copy), or undefined. */
  get(resource: ResourceName, namespace: string, name: string): JsonObject | undefined;
  list(resource: ResourceName, namespace?: string): JsonObject[];
  /**
   * Changes one container's (or init container's) image through the API, as a colleague with
   * kubectl set image would: a strategic-merge patch, a new generation, a rollout.
   */
  setImage(
    resource: 'deployments' | 'statefulsets',
    namespace: string,
    name: string,
    container: string,
    image: string,
  ): JsonObject;
  /** Any strategic-merge patch through the API (throws the Status message when refused). */
  patch(resource: ResourceName, namespace: string, name: string, patch: Json): JsonObject;
  /** For every object (no target), a namespace, or one object (namespace and name). */
  setRolloutDuration(ms: number, target?: { namespace?: string; name?: string }): void;
  /** The object's next rollout(s) never get a new replica ready (Deployments then report ProgressDeadlineExceeded). */
  hangNextRollout(namespace: string, name: string, options?: HangOptions): void;
  /** Deletes every pod of a StatefulSet by hand (OnDelete updates; freeing a set stuck on a broken pod). */
  deleteStatefulSetPods(namespace: string, name: string): void;
  /** Every request received, without credentials. */
  requests: RecordedRequest[];
  countRequests(filter?: RequestFilter): number;
  close(): Promise<void>;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

export async function startKubernetesEmulator(
  options: KubernetesEmulatorOptions = {},
): Promise<KubernetesEmulator> {
  const host = options.host ?? '127.0.0.1';
  if (!LOOPBACK.has(host))
    throw new Error(`The Kubernetes emulator listens on loopback only, not on ${host}`);
  const tokens = new Map(Object.entries(options.tokens ?? { admin: randomBytes(24).toString('base64url') }));
  const defaultUser = [...tokens.keys()][0] ?? 'admin';
  const users = new Map([...tokens].map(([user, token]) => [token, user]));
  const ca = new CertificateAuthority();
  const store = new ObjectStore();
  const timers = new Timers();
  const settings = new RolloutSettings(options.rolloutMs ?? 1000);
  const controllers = {
    deployments: new DeploymentController(store, timers, settings),
    statefulsets: new StatefulSetController(store, timers, settings),
  };
  const state = new KubernetesState(store, controllers);
  const requests: RecordedRequest[] = [];
  const server = new KubernetesServer({
    host,
    port: options.port ?? 0,
    tls: { ...ca.issueServerCertificate(), ca: ca.cert },
    state,
    record: (r) => requests.push(r),
    authenticate: (req) => {
      const fromCertificate = ca.identify(peerCertificate(req));
      if (fromCertificate) return fromCertificate.user;
      const header = req.headers['authorization'] ?? '';
      const bearer = /^Bearer\s+(\S+)$/i.exec(header)?.[1];
      return bearer === undefined ? undefined : users.get(bearer);
    },
  });
  const url = await server.listen();
  let folder: string | undefined;
  let files = 0;

  const through = (resource: ResourceName, namespace: string, name: string, patch: Json): JsonObject => {
    const answer = state.patch(
      RESOURCES[resource]!,
      namespace,
      name,
      (current) => applyStrategicMergePatch(current, patch),
      new URLSearchParams(),
    );
    if (answer.status !== 200) throw new Error(String(field(answer.body as Json, 'message')));
    return clone(answer.body as JsonObject);
  };
  const seed = (resource: 'deployments' | 'statefulsets', manifest: JsonObject): JsonObject => {
    const namespace = String(field(manifest, 'metadata', 'namespace') ?? 'default');
    const answer = state.create(RESOURCES[resource]!, namespace, manifest, new URLSearchParams());
    if (answer.status !== 201) throw new Error(String(field(answer.body as Json, 'message')));
    const name = String(field(answer.body as Json, 'metadata', 'name'));
    controllers[resource].seed(namespace, name);
    return clone(store.get(resource, namespace, name)!);
  };

  return {
    url,
    caCert: ca.cert,
    kubeconfig: (k = {}) => {
      const user = k.user ?? defaultUser;
      const credentials = (): { token: string } | { certificate: IssuedCertificate } => {
        if (k.credentials === 'client-certificate')
          return { certificate: ca.issueClientCertificate(user, ['system:masters']) };
        if (k.credentials === 'wrong-token') return { token: randomBytes(24).toString('base64url') };
        const token = tokens.get(user);
        if (token === undefined) throw new Error(`no token for user ${user}: name it in options.tokens`);
        return { token };
      };
      const document = kubeconfigDocument({
        server: url,
        caCert: ca.cert,
        cluster: 'emulator',
        user,
        context: k.context ?? 'emulator',
        namespace: k.namespace ?? 'default',
        credentials: credentials(),
      });
      folder ??= mkdtempSync(path.join(tmpdir(), 'kubernetes-emulator-'));
      const file = k.file ?? path.join(folder, `kubeconfig-${++files}.json`);
      writeKubeconfig(file, document);
      return file;
    },
    token: (user = defaultUser) => {
      const token = tokens.get(user);
      if (token === undefined) throw new Error(`no token for user ${user}`);
      return token;
    },
    clientCertificate: (user, groups = []) => ca.issueClientCertificate(user, groups),
    addDeployment: (manifest) => seed('deployments', manifest),
    addStatefulSet: (manifest) => seed('statefulsets', manifest),
    get: (resource, namespace, name) => {
      const object = store.get(resource, namespace, name);
      return object ? clone(object) : undefined;
    },
    list: (resource, namespace) => store.list(resource, namespace).map((o) => clone(o)),
    setImage: (resource, namespace, name, container, image) => {
      const current = store.get(resource, namespace, name);
      const has = (list: string): boolean => {
        const items = field(current, 'spec', 'template', 'spec', list);
        return Array.isArray(items) && items.some((c) => isObject(c) && c['name'] === container);
      };
      // kubectl set image refuses an unknown name (a strategic-merge patch would add a container).
      const list = has('containers') ? 'containers' : has('initContainers') ? 'initContainers' : undefined;
      if (!current) throw new Error(`${resource}.apps "${name}" not found`);
      if (!list) throw new Error(`unable to find container named "${container}"`);
      return through(resource, namespace, name, {
        spec: { template: { spec: { [list]: [{ name: container, image }] } } },
      });
    },
    patch: through,
    setRolloutDuration: (ms, target) => settings.setDuration(ms, target),
    hangNextRollout: (namespace, name, hang) => settings.hangNext(namespace, name, hang),
    deleteStatefulSetPods: (namespace, name) => controllers.statefulsets.deletePods(namespace, name),
    requests,
    countRequests: (filter = {}) =>
      requests.filter((r) => {
        if (filter.method && r.method !== filter.method.toUpperCase()) return false;
        if (typeof filter.path === 'string') return r.path.split('?')[0] === filter.path;
        if (filter.path) return filter.path.test(r.path);
        return true;
      }).length,
    close: async () => {
      timers.close();
      await server.close();
      if (folder) rmSync(folder, { recursive: true, force: true });
    },
  };
}
