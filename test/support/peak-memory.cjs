// Preloaded into a child with `node -r`: when the child exits, writes its peak resident set size
// in bytes to the file named by PEAK_RSS_FILE. A memory bound is asserted from it, not a timing.
const { writeFileSync } = require('node:fs');

const file = process.env.PEAK_RSS_FILE;
if (file) {
  process.on('exit', () => {
    // resourceUsage().maxRSS is in kilobytes.
    writeFileSync(file, String(process.resourceUsage().maxRSS * 1024));
  });
}
