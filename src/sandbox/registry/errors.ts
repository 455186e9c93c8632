/**
 * The error codes of the registry API with the status and message distribution 2.8.2 sends for
 * each (observed, see the reference sheet's A5). The body is `{"errors":[{code,message,detail}]}`;
 * `detail` is left out when distribution leaves it out, and may be `null` or `{}` when it sends that.
 */

const CODES = {
  BLOB_UNKNOWN: [404, 'blob unknown to registry'],
  BLOB_UPLOAD_INVALID: [404, 'blob upload invalid'],
  BLOB_UPLOAD_UNKNOWN: [404, 'blob upload unknown to registry'],
  DIGEST_INVALID: [400, 'provided digest did not match uploaded content'],
  MANIFEST_BLOB_UNKNOWN: [400, 'blob unknown to registry'],
  MANIFEST_INVALID: [400, 'manifest invalid'],
  MANIFEST_UNKNOWN: [404, 'manifest unknown'],
  NAME_UNKNOWN: [404, 'repository name not known to registry'],
  PAGINATION_NUMBER_INVALID: [400, 'invalid number of results requested'],
  SIZE_INVALID: [400, 'provided length did not match content length'],
  TAG_INVALID: [400, 'manifest tag did not match URI'],
  UNAUTHORIZED: [401, 'authentication required'],
  UNSUPPORTED: [405, 'The operation is unsupported.'],
  UNKNOWN: [500, 'unknown error'],
} as const satisfies Record<string, readonly [number, string]>;

export type RegistryErrorCode = keyof typeof CODES;

export interface RegistryErrorEntry {
  code: RegistryErrorCode;
  message: string;
  detail?: unknown;
}

/** One API error response; several entries share the status of the first (as distribution does). */
export class RegistryApiError extends Error {
  readonly status: number;
  readonly entries: RegistryErrorEntry[];

  constructor(entries: RegistryErrorEntry[]) {
    const first = entries[0];
    if (!first) throw new RangeError('a registry error needs at least one entry');
    super(`${first.code}: ${first.message}`);
    this.name = 'RegistryApiError';
    this.status = CODES[first.code][0];
    this.entries = entries;
  }

  /** `{"errors":[...]}` plus the newline Go's json.Encoder writes. */
  body(): Buffer {
    return Buffer.from(`${JSON.stringify({ errors: this.entries })}\n`);
  }
}

/** An entry with distribution's message for the code, unless `message` replaces it. */
export function entry(code: RegistryErrorCode, detail?: unknown, message?: string): RegistryErrorEntry {
  return detail === undefined
    ? { code, message: message ?? CODES[code][1] }
    : { code, message: message ?? CODES[code][1], detail };
}

export function registryError(code: RegistryErrorCode, detail?: unknown, message?: string): RegistryApiError {
  return new RegistryApiError([entry(code, detail, message)]);
}
