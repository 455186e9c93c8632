import { AuthError, BadAnswerError, UnavailableError, type RollbackError } from '../errors';
import { exceededAnswerLimit, isDeadlineError } from '../http/errors';
import { TLS_FIX, tlsFailureCode } from '../util/tls';

/**
 * Turning what went wrong on the wire into one sentence a user can act on: which registry, which
 * repository, and what to do. Registry error bodies are `{"errors":[{code,message}]}` but may also
 * be plain text (a router's 404, Docker Hub's 429), so the detail is best effort.
 */

/** `NAME_UNKNOWN: repository name not known to registry`, or a short text body, or ''. */
export function errorDetail(body: unknown): string {
  const text = Buffer.isBuffer(body) ? body.toString('utf8') : typeof body === 'string' ? body : '';
  if (!text.trim()) return '';
  try {
    const parsed = JSON.parse(text) as { errors?: Array<{ code?: unknown; message?: unknown }> };
    const first = parsed?.errors?.[0];
    if (first && (typeof first.code === 'string' || typeof first.message === 'string')) {
      return [first.code, first.message].filter((s) => typeof s === 'string' && s).join(': ');
    }
  } catch {
    // not JSON: fall through to the text
  }
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > 120 ? `${line.slice(0, 117)}...` : line;
}

/** A request that got no HTTP answer at all (after the retries). */
export function networkFailure(err: unknown, host: string, what: string): RollbackError {
  const e = err as { code?: string; message?: string };
  const code = e?.code ?? '';
  const tls = tlsFailureCode(err);
  if (tls)
    return new UnavailableError(`TLS check of ${host} failed while ${what} (${tls})`, {
      hint: TLS_FIX,
      cause: err,
    });
  if (isDeadlineError(err)) {
    return new UnavailableError(
      `${host} sent no complete answer within ${err.deadlineMs / 1000} s while ${what}`,
      {
        hint: 'the registry, or the network to it, is stuck or very slow; retry later, or allow more with --request-timeout',
        cause: err,
      },
    );
  }
  const limit = exceededAnswerLimit(err);
  if (limit !== undefined) {
    // Not a network failure: the answer came, and it is unusable (exit 2, not retried).
    const mib = limit / (1024 * 1024);
    return new BadAnswerError(
      `${host} sent more than ${Number.isInteger(mib) ? mib : mib.toFixed(1)} MiB while ${what}, the limit for that answer`,
      {
        hint: 'no registry answer is that large; check --registry, or report it to the registry owner',
        cause: err,
      },
    );
  }
  return new UnavailableError(
    `cannot reach ${host} while ${what} (${code || e?.message || 'network error'})`,
    {
      hint: 'check --registry and that the registry is up and reachable from here',
      cause: err,
    },
  );
}

/** An HTTP answer the caller has no specific meaning for. 404 is the caller's business. */
export function statusFailure(
  status: number,
  body: unknown,
  host: string,
  what: string,
  repository?: string,
): RollbackError {
  const detail = errorDetail(body);
  const answered = `${status}${detail ? ` ${detail}` : ''}`;
  if (status === 401 || status === 403) {
    return new AuthError(
      `${host} refused access${repository ? ` to repository ${repository}` : ''} while ${what} (${answered})`,
      {
        hint: repository
          ? `check that the account in REGISTRY_USER may pull ${repository}`
          : 'check REGISTRY_USER and REGISTRY_PASSWORD',
      },
    );
  }
  if (status === 429) {
    return new UnavailableError(`${host} kept answering 429 Too Many Requests while ${what}`, {
      hint: 'wait a few minutes, or lower --concurrency',
    });
  }
  if (status >= 500) {
    return new UnavailableError(`${host} failed while ${what} (${answered})`, {
      hint: 'the registry has trouble; retry later',
    });
  }
  return new UnavailableError(`${host} answered ${answered} while ${what}`, {
    hint: 'the registry does not behave like a Docker registry API v2 here; check --registry',
  });
}
