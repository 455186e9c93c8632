/**
 * Every secret the process learns (passwords, tokens, webhook URLs) is registered here, and every
 * line that leaves the process (stderr, stdout, files we write, Slack) goes through redact().
 * A process-wide registry is deliberate: a secret must be masked wherever it travels, including
 * inside error messages produced by libraries we do not control.
 */

const MIN_SECRET_LENGTH = 4; // shorter values would mask ordinary words
const secrets = new Set<string>();
let ordered: string[] | undefined;

/**
 * The forms a secret travels in: as is, in Basic auth and tokens (base64 with and without its
 * padding, base64url), inside URLs and JSON strings.
 */
function formsOf(value: string): string[] {
  const bytes = Buffer.from(value);
  const base64 = bytes.toString('base64');
  return [
    value,
    base64,
    base64.replace(/=+$/, ''),
    bytes.toString('base64url'),
    encodeURIComponent(value),
    JSON.stringify(value).slice(1, -1),
  ];
}

export function registerSecret(value: string | undefined | null): void {
  if (!value || value.length < MIN_SECRET_LENGTH) return;
  for (const form of formsOf(value)) {
    if (form.length >= MIN_SECRET_LENGTH && !secrets.has(form)) {
      secrets.add(form);
      ordered = undefined;
    }
  }
}

/** A PEM key leaks line by line as easily as whole, so every line of its body is masked too. */
export function registerKeyText(text: string | undefined): void {
  if (!text) return;
  registerSecret(text);
  registerSecret(text.trim());
  for (const line of text.split(/\r?\n|\\n/)) {
    if (line.trim().length >= 16 && !line.startsWith('-----')) registerSecret(line.trim());
  }
}

/**
 * Credentials in the user-info part of a URL (a proxy variable): the password, and user:password,
 * which travels base64-encoded in the Proxy-Authorization header axios builds from it.
 */
function registerUrlSecrets(value: string | undefined): void {
  if (!value) return;
  try {
    const url = new URL(value);
    const password = decodeURIComponent(url.password);
    registerSecret(password);
    registerSecret(url.password);
    if (password) registerSecret(`${decodeURIComponent(url.username)}:${password}`);
  } catch {
    // Not a URL (or not percent-encoded right): nothing to take apart.
  }
}

/**
 * Every variable that can hold a secret, registered the moment the process starts: a secret must
 * be masked even on a path that never gets to read it (a refusal, a crash), and proxies may carry
 * a password that no part of rollback reads itself.
 */
export function registerEnvironmentSecrets(env: NodeJS.ProcessEnv): void {
  for (const name of ['REGISTRY_PASSWORD', 'MARATHON_PASSWORD', 'DCOS_PASSWORD', 'DCOS_TOKEN'])
    registerSecret(env[name]);
  for (const [user, password] of [
    ['REGISTRY_USER', 'REGISTRY_PASSWORD'],
    ['MARATHON_USER', 'MARATHON_PASSWORD'],
  ] as const) {
    if (env[user] && env[password]) registerSecret(`${env[user]}:${env[password]}`);
  }
  registerKeyText(env.DCOS_SERVICE_ACCOUNT_KEY);
  const webhook = env.SLACK_WEBHOOK_URL?.trim();
  if (webhook) {
    registerSecret(webhook);
    try {
      // The path carries the webhook's token; errors may quote only the path.
      registerSecret(new URL(webhook).pathname);
    } catch {
      // Not a URL: slackFromEnv says so.
    }
  }
  for (const name of ['http_proxy', 'https_proxy', 'all_proxy']) {
    registerUrlSecrets(env[name]);
    registerUrlSecrets(env[name.toUpperCase()]);
  }
}

export function redact(text: string): string {
  if (secrets.size === 0) return text;
  // Longest first so a secret that contains another is masked whole.
  ordered ??= [...secrets].sort((a, b) => b.length - a.length);
  let out = text;
  for (const s of ordered) {
    if (out.includes(s)) out = out.split(s).join('***');
  }
  return out;
}

/** For tests only. */
export function clearSecrets(): void {
  secrets.clear();
  ordered = undefined;
}
