import { UsageError, type RollbackError } from '../errors';
import { quote } from './quote';

/**
 * The URL of a service we talk to (registry, Marathon, DC/OS), from a flag or a file. Credentials
 * never travel in it: a URL is printed, logged, written to rollback.json and the journal, and shown
 * by `ps`, so one with a user or password is refused, and the refusal does not repeat it.
 */

export interface ServiceUrlOptions {
  /** How the value is named in messages: `--registry`, `the registry of rollback.json`. */
  name: string;
  /** A good value, for the hints. */
  example: string;
  /** Where the credentials belong instead, e.g. `put them in REGISTRY_USER and REGISTRY_PASSWORD`. */
  credentialsHint: string;
  /** Defaults to UsageError (a flag); files use InputError. */
  error?: new (message: string, options?: { hint?: string }) => RollbackError;
}

/** The URL without a trailing slash: `https://host[:port][/path]`. */
export function parseServiceUrl(value: string, options: ServiceUrlOptions): string {
  const Fail = options.error ?? UsageError;
  const shown = safeToShow(value);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Fail(`${options.name}${shown} is not a URL`, {
      hint: `give the base URL with its scheme, e.g. ${options.example}`,
    });
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new Fail(`${options.name}${shown} must be an http or https URL`, {
      hint: `e.g. ${options.example}`,
    });
  }
  if (url.username || url.password) {
    throw new Fail(`${options.name} must not contain credentials`, { hint: options.credentialsHint });
  }
  if (url.search || url.hash) {
    throw new Fail(`${options.name}${shown} must not have a query or fragment`, {
      hint: `e.g. ${options.example}`,
    });
  }
  return `${url.origin}${url.pathname}`.replace(/\/+$/, '');
}

/**
 * ` "value"` for a message, or nothing when the value may hold a secret: anything with an `@` can
 * be `user:password@host` however badly it is formed, and a query can carry a token.
 */
function safeToShow(value: string): string {
  if (value.includes('@')) return '';
  return ` ${quote(value.replace(/[?#].*$/s, ''))}`;
}
