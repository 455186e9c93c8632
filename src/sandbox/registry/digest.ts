import { createHash } from 'node:crypto';

/** Content digests as go-digest accepts them: `algorithm:hex` with the hex length of the algorithm. */

const ALGORITHMS: Record<string, number> = { sha256: 64, sha384: 96, sha512: 128 };

export interface ParsedDigest {
  algorithm: string;
  hex: string;
}

/** The parsed digest, or undefined when go-digest's Parse would reject it. */
export function parseDigest(value: string): ParsedDigest | undefined {
  const colon = value.indexOf(':');
  if (colon < 0) return undefined;
  const algorithm = value.slice(0, colon);
  const hex = value.slice(colon + 1);
  const length = ALGORITHMS[algorithm];
  if (length === undefined || hex.length !== length || !/^[a-f0-9]+$/.test(hex)) return undefined;
  return { algorithm, hex };
}

export function digestOf(data: Buffer, algorithm = 'sha256'): string {
  return `${algorithm}:${createHash(algorithm).update(data).digest('hex')}`;
}
