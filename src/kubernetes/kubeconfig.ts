import { existsSync } from 'node:fs';
import type https from 'node:https';
import os from 'node:os';
import path from 'node:path';
// Only the kubeconfig part of the client: its API classes (and their fetch stack) are not used.
import { KubeConfig } from '@kubernetes/client-node/dist/config.js';
import { AuthError, UsageError } from '../errors';
import { registerKeyText, registerSecret } from '../util/secrets';

/**
 * Credentials the way every Kubernetes tool reads them: KUBECONFIG (several files, merged) or
 * ~/.kube/config, else the in-cluster service account; never a flag. @kubernetes/client-node reads
 * the file and runs what it names (client certificates, bearer tokens, token files, exec plugins);
 * its results (tokens, keys) are registered as secrets before anything can print them.
 */

export interface KubeAccess {
  /** The API server's URL. */
  server: string;
  context?: string;
  /** The namespace the context names, if any. */
  namespace?: string;
  /** `user admin of context emulator`, for the log. */
  description: string;
  /** TLS options for the agent: CA, client certificate and key, verification, server name. */
  tls: Pick<https.AgentOptions, 'ca' | 'cert' | 'key' | 'rejectUnauthorized' | 'servername'>;
  /** The Authorization header (a token or an exec plugin's); `fresh` asks again (after a 401). */
  authorization(fresh?: boolean): Promise<string | undefined>;
}

const namesOf = (list: ReadonlyArray<{ name: string }>) => new Set(list.map((x) => x.name));

/**
 * kubectl's merge of several kubeconfig files: the first file to name a cluster, user or context
 * (or to set current-context) wins. client-node's own mergeConfig throws on a name seen twice, as
 * when two files both have a user `admin`.
 */
function mergeFirstWins(into: KubeConfig, more: KubeConfig): void {
  const [clusters, users, contexts] = [
    namesOf(into.getClusters()),
    namesOf(into.getUsers()),
    namesOf(into.getContexts()),
  ];
  for (const cluster of more.getClusters()) if (!clusters.has(cluster.name)) into.addCluster(cluster);
  for (const user of more.getUsers()) if (!users.has(user.name)) into.addUser(user);
  for (const context of more.getContexts()) if (!contexts.has(context.name)) into.addContext(context);
  if (!into.getCurrentContext() && more.getCurrentContext()) into.setCurrentContext(more.getCurrentContext());
}

function load(env: NodeJS.ProcessEnv): KubeConfig {
  const kc = new KubeConfig();
  const files = (env.KUBECONFIG ?? '').split(path.delimiter).filter(Boolean);
  const home = path.join(env.HOME || os.homedir(), '.kube', 'config');
  try {
    if (files.length > 0) {
      // kubectl skips the files that do not exist, whichever their place.
      const present = files.filter((file) => existsSync(file));
      if (present.length === 0)
        throw new UsageError(`no file of KUBECONFIG exists (${files.join(', ')})`, {
          hint: 'set KUBECONFIG to your kubeconfig (Jenkins: kubeconfigCredentialsId)',
        });
      kc.loadFromFile(present[0]!);
      for (const file of present.slice(1)) {
        const more = new KubeConfig();
        more.loadFromFile(file);
        mergeFirstWins(kc, more);
      }
    } else if (existsSync(home)) kc.loadFromFile(home);
    else if (env.KUBERNETES_SERVICE_HOST && existsSync('/var/run/secrets/kubernetes.io/serviceaccount/token'))
      kc.loadFromCluster();
    else
      throw new UsageError(
        'no Kubernetes credentials: KUBECONFIG is not set and there is no ~/.kube/config',
        {
          hint: 'set KUBECONFIG to your kubeconfig (Jenkins: kubeconfigCredentialsId)',
        },
      );
  } catch (err) {
    if (err instanceof UsageError) throw err;
    // The parser may quote the file; never echo it (it holds keys).
    throw new UsageError(`cannot read the kubeconfig (${files.join(', ') || home}): ${(err as Error).name}`, {
      hint: 'check KUBECONFIG',
    });
  }
  return kc;
}

export async function kubeAccess(env: NodeJS.ProcessEnv, context: string | undefined): Promise<KubeAccess> {
  const kc = load(env);
  if (context) {
    if (!kc.getContextObject(context))
      throw new UsageError(`--context ${context} is not in the kubeconfig`, {
        hint: `known: ${
          kc
            .getContexts()
            .map((c) => c.name)
            .join(', ') || 'none'
        }`,
      });
    kc.setCurrentContext(context);
  }
  const cluster = kc.getCurrentCluster();
  const user = kc.getCurrentUser();
  if (!cluster)
    throw new UsageError('the kubeconfig names no cluster for its current context', {
      hint: 'pass --context',
    });
  if (cluster.proxyUrl)
    throw new UsageError('proxy-url in the kubeconfig is not supported', { hint: 'use HTTPS_PROXY instead' });
  // Neither would reach the server (the auth-provider plugins are not in the bundle, and basic
  // auth left Kubernetes in 1.19): say so now rather than fail later with a 401. The one provider
  // kept is client-node's tokenFile, which is how it reads the in-cluster service account.
  const authProvider = user?.authProvider as { name?: unknown; config?: { tokenFile?: unknown } } | undefined;
  const provider = authProvider?.name;
  if (authProvider && !authProvider.config?.tokenFile)
    throw new UsageError(
      `the kubeconfig user ${user?.name ?? '(none)'} logs in through the ${typeof provider === 'string' ? provider : 'legacy'} auth-provider, which rollback does not support`,
      {
        hint: 'use an exec plugin instead (kubectl 1.26+ needs one too: gke-gcloud-auth-plugin, kubelogin for Azure and OIDC)',
      },
    );
  if (user?.username)
    throw new UsageError(
      `the kubeconfig user ${user.name} has a username and password (basic auth, removed from Kubernetes in 1.19), which rollback does not send`,
      { hint: 'use a token, a client certificate or an exec plugin' },
    );
  registerSecret(user?.token);
  registerSecret(user?.password);
  const options = async (): Promise<https.RequestOptions & { headers?: Record<string, string> }> => {
    const opts: https.RequestOptions & { headers?: Record<string, string> } = {};
    try {
      await kc.applyToHTTPSOptions(opts);
    } catch (err) {
      // An exec plugin that fails, a key file that cannot be read: the credentials are unusable.
      throw new AuthError(
        `cannot get Kubernetes credentials for ${user?.name ?? 'the current user'}: ${(err as Error).message.slice(0, 200)}`,
        {
          hint: 'check the kubeconfig user (exec plugin, token or client certificate)',
        },
      );
    }
    const authorization = opts.headers?.Authorization;
    if (typeof authorization === 'string') registerSecret(authorization.replace(/^Bearer /, ''));
    if (opts.key) registerKeyText(String(opts.key));
    return opts;
  };
  const first = await options();
  const contextObject = kc.getContextObject(kc.getCurrentContext());
  return {
    server: cluster.server.replace(/\/+$/, ''),
    ...(kc.getCurrentContext() ? { context: kc.getCurrentContext() } : {}),
    ...(contextObject?.namespace ? { namespace: contextObject.namespace } : {}),
    description: `user ${user?.name ?? '(none)'} of context ${kc.getCurrentContext() || '(none)'}`,
    tls: {
      ...(first.ca ? { ca: first.ca } : {}),
      ...(first.cert ? { cert: first.cert } : {}),
      ...(first.key ? { key: first.key } : {}),
      ...(first.rejectUnauthorized !== undefined ? { rejectUnauthorized: first.rejectUnauthorized } : {}),
      ...(first.servername ? { servername: first.servername } : {}),
    },
    authorization: async (fresh = false) => {
      const header = (fresh ? await options() : first).headers?.Authorization;
      return typeof header === 'string' ? header : undefined;
    },
  };
}
