// Bundled in place of axios's fetch adapter (see scripts/esbuild-options.js): on Node axios picks
// its http adapter first, the only one rollback's requests ever use; with xhr this is ~17 KB of the
// bundle. The stand-in offers no fetch, so it is never suitable.
exports.getFetch = () => false;
exports.default = false;
