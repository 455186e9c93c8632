import { execFileSync } from 'node:child_process';

/**
 * A test that needs a binary fails when it is missing: a skipped integration test would let CI
 * pass without testing anything. `.ci/run` installs them all.
 */
export function requireBinary(name: string): string {
  try {
    return execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error(
      `${name} is required by this test and is not installed; run \`bash .ci/run\` (it installs it)`,
    );
  }
}
