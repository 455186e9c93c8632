// Preloaded into a child with `node -r`: when the child exits, writes the CPU time it used (user +
// system, in milliseconds) to the file named by CPU_TIME_FILE, so the bench can say what the
// helper itself costs per request apart from the registry and the proxy sharing the machine.
const { writeFileSync } = require('node:fs');

const file = process.env.CPU_TIME_FILE;
if (file) {
  process.on('exit', () => {
    const { user, system } = process.cpuUsage();
    writeFileSync(file, String((user + system) / 1000));
  });
}
