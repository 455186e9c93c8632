// Bundled in place of the form-data package (see scripts/esbuild-options.js): rollback never
// uploads multipart forms, and form-data drags in mime-db, 130 KB of the bundle. axios only needs
// a constructor to test `instanceof` against.
function FormData() {
  throw new Error('multipart form uploads are not supported by the rollback bundle');
}
module.exports = FormData;
