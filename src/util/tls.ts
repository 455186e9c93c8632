/**
 * Errors Node reports when a server's certificate cannot be verified (or TLS does not even start).
 * They are configuration problems with a known fix, not outages: say so instead of "cannot reach".
 */
const CERTIFICATE_ERRORS = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_GET_ISSUER_CERT',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'ERR_SSL_WRONG_VERSION_NUMBER',
  'EPROTO',
]);

export const TLS_FIX = 'pass --ca-file with the CA that signed its certificate, or --insecure if you must';

/** The code of a certificate or TLS failure, or undefined for any other error. */
export function tlsFailureCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && CERTIFICATE_ERRORS.has(code) ? code : undefined;
}
