import axios, { type AxiosInstance, type AxiosRequestConfig, type AxiosResponse } from 'axios';
import https from 'node:https';
import tls from 'node:tls';
import { readFileSync } from 'node:fs';
import { AuthError, BadAnswerError, RollbackFailedError, UnavailableError, UsageError } from '../errors';
import { defaultRetryPolicy, requestWithRetry } from '../http/retry';
import { ChangeUncertainError } from '../targets/target';
import { TLS_FIX, tlsFailureCode } from '../util/tls';
import type { KubeAccess } from './kubeconfig';
import type { Kind, KubeObject } from './workloads';

/**
 * The part of the Kubernetes API a rollback needs: list the Deployments and StatefulSets of a
 * namespace (one request per 500), read one, and change it with a JSON patch whose `test`s make a
 * concurrent change fail instead of being overwritten. Reads are retried; a patch is sent once.
 */

const PLURAL: Record<Kind, string> = { deployment: 'deployments', statefulset: 'statefulsets' };

/** The patch's `test` failed (422 Invalid): someone changed the workload since we read it. */
export class ConcurrentChangeError extends RollbackFailedError {}

export class ObjectGoneError extends RollbackFailedError {}

export interface KubernetesClient {
  readonly server: string;
  readonly description: string;
  list(kind: Kind, namespace: string, selector?: string): Promise<KubeObject[]>;
  get(kind: Kind, namespace: string, name: string, signal?: AbortSignal): Promise<KubeObject>;
  jsonPatch(kind: Kind, namespace: string, name: string, ops: unknown[]): Promise<KubeObject>;
}

const NEVER_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

function statusMessage(data: unknown): string {
  const m = (data as { message?: unknown } | null)?.message;
  return typeof m === 'string' ? `: ${m.slice(0, 300)}` : '';
}

export function createKubernetesClient(
  access: KubeAccess,
  options: { caFile?: string; insecure?: boolean; maxSockets?: number } = {},
): KubernetesClient {
  if (!access.server.startsWith('https://'))
    // kubectl never sends credentials to an http:// server; neither do we.
    throw new UsageError(`the kubeconfig's server ${access.server} is not https://`, {
      hint: 'point the kubeconfig at the API server over TLS',
    });
  const extraCa = options.caFile ? readFileSync(options.caFile, 'utf8') : undefined;
  const agent = new https.Agent({
    keepAlive: true,
    maxSockets: options.maxSockets ?? 16,
    ...access.tls,
    ...(extraCa
      ? { ca: [...(access.tls.ca ? [String(access.tls.ca)] : tls.rootCertificates), extraCa] }
      : {}),
    ...(options.insecure ? { rejectUnauthorized: false } : {}),
  });
  const http: AxiosInstance = axios.create({
    baseURL: access.server,
    httpsAgent: agent,
    timeout: 30_000,
    proxy: false,
    validateStatus: () => true,
    headers: { Accept: 'application/json', 'User-Agent': 'rollback' },
  });
  const where = `Kubernetes at ${access.server}`;

  async function send<T>(
    config: AxiosRequestConfig,
    change = false,
    fresh = false,
  ): Promise<AxiosResponse<T>> {
    const authorization = await access.authorization(fresh);
    const request = {
      ...config,
      headers: { ...config.headers, ...(authorization ? { Authorization: authorization } : {}) },
    };
    let response: AxiosResponse<T>;
    try {
      response = change
        ? await http.request<T>(request)
        : await requestWithRetry<T>(http, request, defaultRetryPolicy);
    } catch (err) {
      const code = tlsFailureCode(err);
      if (code) throw new UnavailableError(`TLS check of ${where} failed (${code})`, { hint: TLS_FIX });
      const net = (err as { code?: string }).code ?? (err as Error).message;
      if (change && !NEVER_SENT.has(net))
        throw new ChangeUncertainError(
          `no answer from ${where} to ${config.method} ${config.url} (${net}); it may have been carried out`,
        );
      throw new UnavailableError(`cannot reach ${where}: ${net}`, {
        hint: 'check the kubeconfig and --context',
      });
    }
    if (response.status === 401 && !fresh) return send(config, change, true);
    if (response.status === 401)
      throw new AuthError(`${where} refused the credentials (${access.description}): HTTP 401`, {
        hint: 'check the kubeconfig user (token, client certificate or exec plugin)',
      });
    if (response.status === 403)
      throw new AuthError(
        `${where} does not allow ${access.description} to ${config.method} ${config.url}: HTTP 403${statusMessage(response.data)}`,
        {
          hint: 'grant get, list and patch on deployments and statefulsets of the namespace (RBAC)',
        },
      );
    if (response.status >= 500) {
      if (change)
        throw new ChangeUncertainError(
          `${where} answered ${config.method} ${config.url} with HTTP ${response.status}; it may have been carried out`,
        );
      throw new UnavailableError(`${where} answered HTTP ${response.status}${statusMessage(response.data)}`);
    }
    return response;
  }

  const object = (r: AxiosResponse<unknown>, what: string): KubeObject => {
    const data = r.data as KubeObject | null;
    if (!data || typeof data !== 'object' || !data.metadata || !data.spec)
      throw new BadAnswerError(`${where} answered ${what} with something that is not a Kubernetes object`, {
        hint: 'check the kubeconfig: it must point at the API server',
      });
    return data;
  };

  return {
    server: access.server,
    description: access.description,

    async list(kind, namespace, selector) {
      const items: KubeObject[] = [];
      let token: string | undefined;
      do {
        const params = new URLSearchParams({
          limit: '500',
          ...(selector ? { labelSelector: selector } : {}),
          ...(token ? { continue: token } : {}),
        });
        const url = `/apis/apps/v1/namespaces/${encodeURIComponent(namespace)}/${PLURAL[kind]}?${params}`;
        const r = await send<{ items?: unknown; metadata?: { continue?: string } }>({ method: 'GET', url });
        if (r.status === 404)
          throw new UsageError(`${where} has no namespace ${namespace} (or no apps/v1 API)`, {
            hint: 'check --namespace',
          });
        if (r.status !== 200 || !Array.isArray(r.data?.items))
          throw new BadAnswerError(
            `${where} answered the ${PLURAL[kind]} of ${namespace} with HTTP ${r.status}${statusMessage(r.data)}`,
          );
        items.push(...(r.data.items as KubeObject[]));
        token = r.data.metadata?.continue || undefined;
      } while (token);
      return items;
    },

    async get(kind, namespace, name, signal) {
      const url = `/apis/apps/v1/namespaces/${encodeURIComponent(namespace)}/${PLURAL[kind]}/${encodeURIComponent(name)}`;
      const r = await send<unknown>({ method: 'GET', url, ...(signal ? { signal } : {}) });
      if (r.status === 404)
        throw new ObjectGoneError(`${kind} ${name} does not exist in namespace ${namespace}`);
      if (r.status !== 200)
        throw new UnavailableError(
          `${where} answered HTTP ${r.status} for ${kind} ${name}${statusMessage(r.data)}`,
        );
      return object(r, `${kind} ${name}`);
    },

    async jsonPatch(kind, namespace, name, ops) {
      const url = `/apis/apps/v1/namespaces/${encodeURIComponent(namespace)}/${PLURAL[kind]}/${encodeURIComponent(name)}?fieldManager=rollback`;
      const r = await send<unknown>(
        { method: 'PATCH', url, data: ops, headers: { 'Content-Type': 'application/json-patch+json' } },
        true,
      );
      if (r.status === 404)
        throw new ObjectGoneError(`${kind} ${name} does not exist in namespace ${namespace}`);
      if (r.status === 422 || r.status === 409)
        throw new ConcurrentChangeError(
          `${kind} ${name} was changed by someone else since it was read (the patch's test failed); not touched`,
        );
      if (r.status !== 200)
        throw new RollbackFailedError(
          `${where} refused the change of ${kind} ${name}: HTTP ${r.status}${statusMessage(r.data)}`,
        );
      return object(r, `the change of ${kind} ${name}`);
    },
  };
}
