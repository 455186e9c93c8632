// Bundled in place of the debug package (see scripts/esbuild-options.js): only follow-redirects
// (axios's redirects) asks for it, to trace redirects under DEBUG=follow-redirects, which would print
// URLs a rollback wants kept out of logs. Every logger it hands out says nothing.
const silent = () => {};
silent.enabled = false;
module.exports = function debug() {
  return silent;
};
