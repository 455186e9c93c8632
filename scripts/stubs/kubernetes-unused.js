// Bundled in place of the parts of @kubernetes/client-node that rollback never runs (see
// scripts/esbuild-options.js): only its kubeconfig loader is used, not its generated API clients
// (and their fetch stack), proxy agents or the legacy auth-provider plugins (gcp, azure, oidc;
// exec plugins, tokens and client certificates are what kubeconfigs use today). Those parts are
// ~1.3 MB of the bundle. KubeConfig builds its auth providers up front, so a stand-in can be
// built; it claims no kubeconfig user and refuses loudly if it is ever asked to do anything.
function unused(name) {
  const refuse = () => {
    throw new Error(`${name} is not part of the rollback bundle`);
  };
  return class {
    isAuthProvider() {
      return false;
    }
    applyAuthentication() {
      refuse();
    }
  };
}
module.exports = {
  Headers: unused('node-fetch Headers'),
  SocksProxyAgent: unused('a SOCKS proxy agent'),
  HttpProxyAgent: unused('an HTTP proxy agent'),
  HttpsProxyAgent: unused('an HTTPS proxy agent'),
  OpenIDConnectAuth: unused('the oidc auth-provider'),
  AzureAuth: unused('the azure auth-provider'),
  GoogleCloudPlatformAuth: unused('the gcp auth-provider'),
  ServerConfiguration: unused('the generated API client'),
  createConfiguration() {
    throw new Error('the generated API client is not part of the rollback bundle');
  },
};
