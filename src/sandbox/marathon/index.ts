import { DcosAuth } from './dcos-auth';
import { DEFAULT_MAX_VERSIONS } from './history';
import { PodStore } from './pods';
import { EmulatorServer, type RecordedRequest } from './server';
import { MarathonState, type HistoryEntry, type Scenario } from './state';

export type { HistoryEntry } from './state';

/**
 * A Marathon (or a DC/OS cluster with Marathon) on loopback, behaving like the real API in everything
 * the rollback tool touches, as documented in ../shared/reference/marathon-api.md. Used by the tests,
 * the demo and `rollback sandbox`.
 */

export interface MarathonEmulatorOptions {
  /** 'marathon' (default): API at `${url}/v2/...`, optional HTTP Basic.
   *  'dcos': a DC/OS cluster: Marathon at `${url}/service/marathon/v2/...`, login at `${url}/acs/api/v1/auth/login`,
   *  every Marathon request needs `Authorization: token=<JWT>` (else 401 text/html + WWW-Authenticate: acsjwt). */
  mode?: 'marathon' | 'dcos';
  /** plain mode: require HTTP Basic with these credentials (401 otherwise). */
  basic?: { user: string; password: string };
  /** dcos mode: users that may log in with {uid, password}. */
  users?: Record<string, string>;
  /** dcos mode: service accounts {uid: publicKeyPem}; login with {uid, token: RS256 JWT {uid, exp}} signed by the private key. */
  serviceAccounts?: Record<string, string>;
  /** dcos mode: lifetime of the tokens the emulated IAM issues (default five days, as DC/OS Open Source). */
  tokenLifetimeMs?: number;
  /** How long an emulated deployment takes until its new tasks are healthy (default 1500 ms). */
  deploymentMs?: number;
  /** Versions kept per app, the oldest dropped first (Marathon's `--zk_max_versions`, default 50). */
  maxVersions?: number;
  /**
   * Behave like Marathon 1.3, the last release without PATCH: `PATCH /v2/apps/{id}` answers 405 with
   * no body (so a client's PUT fallback can be tested), `/v2/pods` does not exist (404) and `/v2/info`
   * says 1.3.14. Everything else stays as in 1.11.
   */
  noPatch?: boolean;
  host?: string; // default 127.0.0.1, never anything but loopback
  port?: number; // default 0 (free port)
}

export type RecordedMarathonRequest = RecordedRequest;

export interface MarathonEmulator {
  /** Base URL to hand to `--marathon` (plain) or `--dcos` (dcos mode). */
  url: string;
  /** Where the Marathon API lives: url (plain) or url + '/service/marathon' (dcos). */
  marathonUrl: string;
  /** Seed an app directly, as if deployed long ago and healthy (no deployment). Assigns version/versionInfo. */
  addApp(app: Record<string, unknown>): void;
  /**
   * Seed an app with a history in the past, oldest first: each entry becomes a version at its `at`
   * (a change of `instances` alone a scale, an unchanged definition a restart), the last one is the app
   * now, healthy, with no deployment. Replaces an app of that id, its versions included. At most
   * `maxVersions` are kept. Throws on an invalid definition, an `at` in the future or out of order.
   */
  seedHistory(appId: string, history: readonly HistoryEntry[]): void;
  /**
   * Seed a pod (RAML pods.raml: `id`, `containers[].name`, `containers[].image.id`), running and stable,
   * listed by `GET /v2/pods` and `/v2/pods/{id}::status`; never by `/v2/apps`. Pods are read-only here.
   */
  addPod(pod: Record<string, unknown>): void;
  /** The current stored definition + status of an app as GET /v2/apps/{id} would show it (undefined if absent). */
  getApp(id: string): Record<string, unknown> | undefined;
  listApps(): Array<Record<string, unknown>>;
  /** Running deployments as GET /v2/deployments shows them. */
  deployments(): Array<Record<string, unknown>>;
  /** Scenario: the next deployment(s) touching this app never become healthy. 'hang': it stays in
   *  /v2/deployments until cancelled or overridden with force; its new task keeps failing (lastTaskFailure
   *  set) and never counts as healthy, while old tasks keep serving as far as the app's upgradeStrategy
   *  allows (the default minimumHealthCapacity 1 keeps all of them, so tasksHealthy stays at instances,
   *  counted on the OLD version; with 0.5 it drops to half). 'fail': the deployment disappears but the app
   *  never becomes healthy on the new version (tasksHealthy 0, or tasksStaged = instances without health
   *  checks), lastTaskFailure set. Every deployment that touches the app uses one (PUT, rollback, restart,
   *  a DELETE /v2/deployments revert). `times` default 1. */
  failNextDeployment(appId: string, mode: 'hang' | 'fail', times?: number): void;
  /** Scenario: start a deployment on the app that never finishes, so the next PUT gets 409 with its id. Returns the deployment id. */
  lockApp(appId: string): string;
  setDeploymentMs(ms: number): void;
  /** Every HTTP request received (method, path incl. query, headers, raw body), for assertions. */
  requests: Array<{
    method: string;
    path: string;
    headers: Record<string, string | string[] | undefined>;
    body: string;
  }>;
  close(): Promise<void>;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);
const FIVE_DAYS_MS = 5 * 24 * 3600 * 1000;

export async function startMarathonEmulator(
  options: MarathonEmulatorOptions = {},
): Promise<MarathonEmulator> {
  const mode = options.mode ?? 'marathon';
  const host = options.host ?? '127.0.0.1';
  if (!LOOPBACK.has(host)) throw new Error(`The Marathon emulator listens on loopback only, not on ${host}`);
  if (mode === 'marathon' && (options.users || options.serviceAccounts)) {
    throw new Error('users and serviceAccounts need mode "dcos"');
  }
  if (mode === 'dcos' && options.basic) throw new Error('basic needs mode "marathon" (DC/OS uses tokens)');

  let server: EmulatorServer | undefined;
  const state = new MarathonState({
    deploymentMs: options.deploymentMs ?? 1500,
    maxVersions: options.maxVersions ?? DEFAULT_MAX_VERSIONS,
    onEvent: (event) => server?.broadcast(event),
  });
  const pods = new PodStore();
  const auth =
    mode === 'dcos'
      ? new DcosAuth({
          users: options.users ?? {},
          serviceAccounts: options.serviceAccounts ?? {},
          tokenLifetimeMs: options.tokenLifetimeMs ?? FIVE_DAYS_MS,
        })
      : undefined;
  const requests: RecordedRequest[] = [];
  server = new EmulatorServer({
    mode,
    basic: options.basic,
    auth,
    state,
    pods,
    noPatch: options.noPatch ?? false,
    requests,
    host,
    port: options.port ?? 0,
  });
  const url = await server.listen();
  const all = new Set(['counts', 'deployments', 'tasks', 'lastTaskFailure']);

  return {
    url,
    marathonUrl: mode === 'dcos' ? `${url}/service/marathon` : url,
    requests,
    addApp: (app) => {
      if (typeof app['id'] === 'string' && pods.has(app['id']))
        throw new Error(`addApp: ${absolute(app['id'])} is a pod`);
      state.seed(app);
    },
    seedHistory: (appId, history) => {
      if (pods.has(appId)) throw new Error(`seedHistory: ${absolute(appId)} is a pod`);
      state.seedHistory(appId, history);
    },
    addPod: (pod) => {
      // Marathon keeps apps, pods and groups in one tree: an id is one of them.
      if (typeof pod['id'] === 'string' && state.hasApp(pod['id']))
        throw new Error(`addPod: ${absolute(pod['id'])} is an app`);
      pods.add(pod);
    },
    getApp: (id) => state.appInfo(absolute(id), all),
    listApps: () => state.listApps({}, all),
    deployments: () => state.deploymentList(),
    failNextDeployment: (appId, failMode: Scenario, times = 1) => state.failNext(appId, failMode, times),
    lockApp: (appId) => state.lock(appId),
    setDeploymentMs: (ms) => state.setDeploymentMs(ms),
    close: async () => {
      state.close();
      await server.close();
    },
  };
}

function absolute(id: string): string {
  return `/${id.split('/').filter(Boolean).join('/')}`;
}
