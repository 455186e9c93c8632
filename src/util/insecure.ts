/**
 * What --insecure costs, said every time it is used: it is meant for a test cluster with a
 * self-signed certificate, and must never go unnoticed in a production log.
 */
export function insecureWarning(...hosts: string[]): string {
  return `--insecure: TLS certificates of ${hosts.join(' and ')} are not verified; anyone on the way can read the credentials and alter the answers (use --ca-file instead)`;
}
