import { chmodSync, writeFileSync } from 'node:fs';
import type { IssuedCertificate } from './certificates';
import type { JsonObject } from './json';

/**
 * The kubeconfig the emulator hands out, as kubectl and @kubernetes/client-node read it: JSON (a
 * subset of YAML), the CA inline, one cluster, user and context, and either a bearer token or a
 * client certificate and key. The file holds a credential, so only its owner may read it.
 */

export type KubeconfigCredentials = { token: string } | { certificate: IssuedCertificate };

export interface KubeconfigInput {
  server: string;
  /** PEM of the CA that signed the server certificate. */
  caCert: string;
  cluster: string;
  user: string;
  context: string;
  namespace: string;
  credentials: KubeconfigCredentials;
}

const base64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64');

export function kubeconfigDocument(input: KubeconfigInput): JsonObject {
  const user: JsonObject =
    'token' in input.credentials
      ? { token: input.credentials.token }
      : {
          'client-certificate-data': base64(input.credentials.certificate.cert),
          'client-key-data': base64(input.credentials.certificate.key),
        };
  return {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name: input.cluster,
        cluster: { server: input.server, 'certificate-authority-data': base64(input.caCert) },
      },
    ],
    users: [{ name: input.user, user }],
    contexts: [
      {
        name: input.context,
        context: { cluster: input.cluster, user: input.user, namespace: input.namespace },
      },
    ],
    'current-context': input.context,
    preferences: {},
  };
}

export function writeKubeconfig(file: string, document: JsonObject): void {
  writeFileSync(file, `${JSON.stringify(document, null, 2)}\n`, { mode: 0o600 });
  chmodSync(file, 0o600); // an existing file keeps its mode on write
}
