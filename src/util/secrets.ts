/**
 * Every secret the process learns (passwords, tokens, webhook URLs) is registered here, and every
 * line that leaves the process (stderr, stdout, files we write, Slack) goes through redact().
 * A process-wide registry is deliberate: a secret must be masked wherever it travels, including
 * inside error messages produced by libraries we do not control.
 */

const MIN_SECRET_LENGTH = 4; // shorter values would mask ordinary words
const secrets = new Set<string>();

export function registerSecret(value: string | undefined | null): void {
  if (!value || value.length < MIN_SECRET_LENGTH) return;
  secrets.add(value);
  // Secrets also travel encoded: as Basic auth, inside URLs.
  secrets.add(Buffer.from(value).toString('base64'));
  const encoded = encodeURIComponent(value);
  if (encoded !== value) secrets.add(encoded);
}

export function redact(text: string): string {
  let out = text;
  // Longest first so a secret that contains another is masked whole.
  for (const s of [...secrets].sort((a, b) => b.length - a.length)) {
    if (out.includes(s)) out = out.split(s).join('***');
  }
  return out;
}

/** For tests only. */
export function clearSecrets(): void {
  secrets.clear();
}
