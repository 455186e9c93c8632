import type { TlsOptions } from '../http/client';
import { AuthError, isRollbackError, UnavailableError, type RollbackError } from '../errors';
import type { ImageChecker } from '../plan/preflight';
import { credentialsFromEnv } from '../registry/auth';
import { RegistryClient } from '../registry/client';
import { registryHostName, sameRegistry } from '../plan/registry-hosts';

/**
 * The preflight's view of the registries the apps pull from. The registry rollback.json was read
 * from is asked with REGISTRY_USER/REGISTRY_PASSWORD; another host an app pulls from (a mirror) is
 * asked without credentials, because they belong to the catalog's registry only.
 */

/** `run` has no --registry flag: its errors name the registry rollback.json recorded instead. */
function rehint(err: unknown, registry: string, own: boolean): never {
  if (!isRollbackError(err)) throw err;
  const e = err as RollbackError;
  const hint = !own
    ? `an app pulls from ${registry}, which must hold the target image too (a mirror): check that it is reachable and has it`
    : e instanceof AuthError
      ? `check REGISTRY_USER and REGISTRY_PASSWORD for ${registry}, the registry rollback.json was read from`
      : `rollback.json was read from ${registry}; if the registry moved, run \`rollback get\` again against its new address (Jenkins: build again)`;
  // Registry errors are plain (message, options) classes: the same kind, with the right hint.
  const Kind = e.constructor as new (
    message: string,
    options: { hint?: string; cause?: unknown },
  ) => RollbackError;
  throw new Kind(e.message, { hint, cause: e });
}

function checkerFor(
  registry: string,
  env: NodeJS.ProcessEnv | undefined,
  tls: TlsOptions,
  name?: string,
): ImageChecker {
  const client = new RegistryClient({
    registry,
    credentials: env ? credentialsFromEnv(env) : undefined,
    concurrency: 4,
    tls,
  });
  let probe: Promise<void> | undefined;
  return {
    ...(name ? { name } : {}),
    async exists(repository, reference) {
      try {
        await (probe ??= client.probe());
        const head = await client.headManifest(repository, reference);
        if (!head.found) return undefined;
        // A registry that omits Docker-Content-Digest on HEAD: the GET computes it.
        return head.digest ?? (await client.getManifest(repository, reference))?.digest;
      } catch (err) {
        rehint(err, registry, env !== undefined);
      }
    },
  };
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/** One checker per registry host, the catalog's own with credentials. */
export function registryCheckers(
  catalogRegistry: string | undefined,
  env: NodeJS.ProcessEnv,
  tls: TlsOptions,
): (host: string | undefined) => ImageChecker {
  const own = catalogRegistry ? checkerFor(catalogRegistry, env, tls) : undefined;
  const ownHost = catalogRegistry ? new URL(catalogRegistry).host : undefined;
  const others = new Map<string, ImageChecker>();
  return (host) => {
    if (own && ownHost && sameRegistry(host, ownHost)) return own;
    const key = host ?? 'docker.io';
    let checker = others.get(key);
    if (!checker) {
      if (host === undefined || registryHostName(host) === 'docker.io')
        throw new UnavailableError(
          'an app pulls its image from Docker Hub, not from a registry rollback.json was read from; its target image cannot be checked',
          { hint: 'read the catalog from the registry the apps pull from (`rollback get --registry ...`)' },
        );
      // Plain http only where Docker itself allows it without configuration: loopback.
      const scheme = LOOPBACK.has(host.toLowerCase().replace(/:\d+$/, '')) ? 'http' : 'https';
      checker = checkerFor(`${scheme}://${host}`, undefined, tls, host);
      others.set(key, checker);
    }
    return checker;
  };
}
