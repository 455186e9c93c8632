import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startStoryWorld, type StoryWorld } from '../../src/sandbox/world';
import { startKubernetesEmulator, type KubernetesEmulator } from '../../src/sandbox/kubernetes';
import { storyDeployment, storyWorkload } from '../../src/sandbox/kubernetes/story';
import { storyApps } from '../../src/sandbox/story';
import { spawnCollect } from '../support/spawn';

/**
 * Every command in the README is run: the helper's commands here, in README order, against the
 * demo's world (embedded registry with basic auth, Marathon emulator in DC/OS mode, and a Kubernetes
 * emulator whose namespace shop-dev runs dev's services, context staging); the others by
 * the test or CI step named in COVERED_ELSEWHERE, which this test checks exists. A command added
 * to the README without either fails here.
 */
const ROOT = path.join(__dirname, '..', '..');
const README = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
const BUNDLE = path.join(ROOT, 'resources', 'rollback', 'rollback.cjs');

/** Commands run elsewhere: the file that runs them and a string proving it does. */
const COVERED_ELSEWHERE: Record<string, { file: string; proof: string }> = {
  'npm ci && npm run demo': { file: 'test/integration/demo.test.ts', proof: "'demo'" },
  'npm ci': { file: '.ci/run', proof: 'npm ci' },
  'npm test': { file: '.ci/run', proof: 'npm test' },
  'npm run build': { file: 'test/unit/bundle.test.ts', proof: 'esbuild-options' },
  'npm run bench': { file: 'test/integration/bench.test.ts', proof: "'bench'" },
  "groovyc -d /tmp/groovy-classes -encoding UTF-8 $(find test/groovy/stubs test/groovy/harness test/groovy/checks vars -name '*.groovy')":
    {
      file: 'test/groovy/groovy-support.ts',
      proof: "spawnSync(groovyc, ['-d', classesDir, '-encoding', 'UTF-8'",
    },
  'source <(npx rollback completion bash)': {
    file: 'test/integration/completion.test.ts',
    proof: "runBundle(['completion', 'bash'])",
  },
  'ansible-playbook examples/ansible/rollback.yml -e rollback_date=2026-11-27 --check': {
    file: 'test/integration/ansible.test.ts',
    proof: "'--check'",
  },
  'ansible-playbook examples/ansible/rollback.yml -e rollback_date=2026-11-27': {
    file: 'test/integration/ansible.test.ts',
    proof: "path.join(ROOT, 'examples', 'ansible', 'rollback.yml')",
  },
  'groovy -cp /tmp/groovy-classes test/groovy/run-checks.groovy unit': {
    file: 'test/groovy/groovy-support.ts',
    proof: "path.join('test', 'groovy', 'run-checks.groovy')",
  },
};

interface Block {
  lang: string;
  body: string;
}

function blocks(markdown: string): Block[] {
  return [...markdown.matchAll(/^```(\w*)\n([\s\S]*?)^```$/gm)].map((m) => ({ lang: m[1]!, body: m[2]! }));
}

/** Shell lines of a sh block: continuations joined, trailing `  # comments` dropped. */
function shellCommands(body: string): string[] {
  return body
    .replace(/\\\n\s*/g, '')
    .split('\n')
    .map((l) => l.replace(/\s{2,}#.*$/, '').trim())
    .filter((l) => l && !l.startsWith('#'));
}

/** Split a command line into words (single and double quotes, no expansion). */
function words(line: string): string[] {
  return [...line.matchAll(/'([^']*)'|"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2] ?? m[3]!);
}

/** Lines this test runs itself (exports feed their environment). */
function isHelperCommand(line: string): boolean {
  return line.startsWith('node resources/rollback/rollback.cjs ') || line.startsWith('export ');
}

describe('the README', () => {
  const all = blocks(README);
  const sh = all.filter((b) => b.lang === 'sh').flatMap((b) => shellCommands(b.body));

  it('starts with the two commands a newcomer needs: set up + demo, and the tests', () => {
    const first = shellCommands(all[0]!.body);
    expect(first).toEqual(['npm ci && npm run demo', 'npm test']);
    expect(README.indexOf('```')).toBeLessThan(20);
  });

  it('names, for every command it does not run itself, a test or CI step that does', () => {
    const elsewhere = sh.filter((c) => !isHelperCommand(c));
    for (const command of elsewhere) {
      const cover = COVERED_ELSEWHERE[command];
      expect({ command, covered: Boolean(cover) }).toEqual({ command, covered: true });
      const text = readFileSync(path.join(ROOT, cover!.file), 'utf8');
      expect({ command, file: cover!.file, proves: text.includes(cover!.proof) }).toEqual({
        command,
        file: cover!.file,
        proves: true,
      });
    }
  });

  describe('its helper commands, run in order against the demo world', () => {
    let world: StoryWorld;
    let kubernetes: KubernetesEmulator;
    let cwd: string;
    const secrets = { registry: 'readme-registry-pw', dcos: 'readme-dcos-pw' };
    const env: Record<string, string> = {
      REGISTRY_USER: 'ci-reader',
      REGISTRY_PASSWORD: secrets.registry,
      DCOS_USER: 'oncall',
      DCOS_PASSWORD: secrets.dcos,
    };
    let offered: string[] = [];

    beforeAll(async () => {
      world = await startStoryWorld({
        deploymentMs: 300,
        registry: { basic: { user: env.REGISTRY_USER!, password: secrets.registry } },
        marathon: { mode: 'dcos', users: { [env.DCOS_USER!]: secrets.dcos } },
      });
      cwd = mkdtempSync(path.join(os.tmpdir(), 'rollback-readme-'));
      // Caches (image dates, Marathon's versions) in this test's folder, not the developer's.
      env.XDG_CACHE_HOME = path.join(cwd, 'cache');
      kubernetes = await startKubernetesEmulator({ rolloutMs: 300 });
      for (const app of storyApps(new Date()).filter((a) => a.id.startsWith('/ds/dev/') && !a.decoy))
        kubernetes.addDeployment(
          storyDeployment({ ...storyWorkload(app, world.registryHost), namespace: 'shop-dev' }),
        );
      env.KUBECONFIG = kubernetes.kubeconfig({ context: 'staging', namespace: 'shop-dev' });
    });
    afterAll(async () => {
      await Promise.allSettled([world?.stop(), kubernetes?.close()]);
    });

    /** README placeholders → this world; any other example host is a README error. */
    function localize(arg: string): string {
      let out = arg
        .replaceAll('https://registry.example.com', world.registryUrl)
        .replaceAll('https://dcos.example.com', world.marathon.url)
        .replaceAll('{{ dump }}', path.join(cwd, 'ansible'))
        .replaceAll('{{ rollback_date }}', offered[1] ?? '');
      // A rollback date in an example becomes the second date `get` offered (yesterday, in the story),
      // and an instant the same time of that day: 12:00 yesterday is between frontend's release
      // (10:05) and api's (14:30).
      if (/^\d{4}-\d{2}-\d{2}$/.test(out)) out = offered[1] ?? out;
      if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(out)) out = `${offered[1] ?? ''}${out.slice(10)}`;
      expect(out).not.toMatch(/example\.com/);
      return out;
    }

    async function run(argv: string[], label: string) {
      const args = argv.map(localize);
      const { code, stdout, stderr } = await spawnCollect(process.execPath, [BUNDLE, ...args], {
        cwd,
        env: { ...process.env, ...env, NO_COLOR: '1' },
      });
      // Credentials reach the helper only through the environment and never come back out.
      expect(`${stdout}\n${stderr}`).not.toContain(secrets.registry);
      expect(`${stdout}\n${stderr}`).not.toContain(secrets.dcos);
      expect({ label, code, stderr: code === 0 ? '' : stderr }).toEqual({ label, code: 0, stderr: '' });
      return { stdout, stderr };
    }

    it('runs every `node resources/rollback/rollback.cjs` command of the README', async () => {
      const exportsSeen = new Set<string>();
      let ran = 0;
      for (const command of sh) {
        if (command.startsWith('export ')) {
          for (const [, name, value] of command.matchAll(/\b([A-Z_]+)=(\S+)/g)) {
            exportsSeen.add(name!);
            // Connection defaults apply to the commands after them, as in a shell; credentials stay this world's.
            if (name!.startsWith('ROLLBACK_')) env[name!] = localize(value!);
          }
          continue;
        }
        if (!command.startsWith('node resources/rollback/rollback.cjs ')) continue;
        const argv = words(command).slice(2);
        const res = await run(argv, command);
        ran++;
        if (argv[0] === 'history' && argv.includes('--choices')) {
          // Yesterday's two releases of the story, as the drop-down lists them.
          expect(res.stdout).toContain(
            `${offered[1]} 14:30:00 UTC · api\n${offered[1]} 10:05:00 UTC · frontend\n`,
          );
        }
        if (argv[0] === 'run' && argv.includes('--at') && !argv.includes('--dry-run')) {
          // What ran at noon yesterday: api's 1.5.1 hotfix (the day rule would take 1.6.0).
          const api = world.marathon.getApp('/ds/dev/shop/api') as {
            container: { docker: { image: string } };
          };
          expect(api.container.docker.image).toMatch(/shop\/api:1\.5\.1-develop$/);
        }
        if (argv[0] === 'get') {
          offered = res.stdout.trim().split('\n');
          expect(offered.length).toBeGreaterThan(2);
          expect(existsSync(path.join(cwd, 'rollback.json'))).toBe(true);
        }
      }
      // Every variable the README exports is one this world gives a value to.
      for (const name of exportsSeen) expect(Object.keys(env)).toContain(name);
      expect(ran).toBeGreaterThanOrEqual(5);
      // After run and then undo, the apps are back on today's images.
      const api = world.marathon.getApp('/ds/dev/shop/api') as { container: { docker: { image: string } } };
      expect(api.container.docker.image).toMatch(/shop\/api:1\.7\.0-develop$/);
      // The Kubernetes commands ran against shop-dev: rolled back, then undone.
      const deployment = kubernetes.get('deployments', 'shop-dev', 'api') as any;
      expect(deployment.spec.template.spec.containers[0].image).toMatch(/shop\/api:1\.7\.0-develop$/);
      expect(deployment.metadata.generation).toBe(3);
      // A dozen helper runs and the demo one after another: room for a busy machine.
    }, 240_000);
  });
});
