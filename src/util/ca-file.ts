import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { UsageError } from '../errors';

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/**
 * --ca-file must hold at least one PEM certificate. Node silently ignores a CA it cannot parse, so
 * without this check a wrong file would surface later as "certificate not trusted, pass --ca-file",
 * the opposite of what happened.
 */
export function assertCaFile(file: string, shownAs = file): void {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(
      `--ca-file ${shownAs} cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
  const blocks = text.match(PEM_CERTIFICATE) ?? [];
  const parsed = blocks.filter((pem) => {
    try {
      return new X509Certificate(pem).raw.length > 0;
    } catch {
      return false;
    }
  });
  if (parsed.length === 0 || parsed.length !== blocks.length) {
    throw new UsageError(`--ca-file ${shownAs} holds no readable PEM certificate`, {
      hint: 'give the CA certificate(s) in PEM form (-----BEGIN CERTIFICATE-----)',
    });
  }
}
