// Bundled in place of axios's xhr adapter (see scripts/esbuild-options.js): on Node axios picks its
// http adapter, the only one rollback's requests ever use. The stand-in is an adapter that is never
// suitable, as xhr is outside a browser.
module.exports = false;
