import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startStoryWorld, type StoryWorld } from '../../src/sandbox/world';
import { requireBinary } from '../support/binaries';
import { spawnCollect } from '../support/spawn';
import { ROOT, changingRequests, imageOf } from './run-fixture';

/**
 * examples/ansible/rollback.yml, run by Debian's ansible-playbook against the demo's world
 * (embedded registry with basic auth, Marathon emulator in DC/OS mode): under --check it only
 * plans, for real it moves the apps, and with a day the registry does not offer the play fails
 * before anything changes. ansible-playbook starts in another folder, so the playbook finds the
 * helper from its own location. Credentials go in as rollback_environment from a vars file, the
 * way a vault hands them over, never on the command line.
 */
const PLAYBOOK = path.join(ROOT, 'examples', 'ansible', 'rollback.yml');
const SECRETS = { registry: 'ansible-Registry-pw-4410', dcos: 'ansible-Dcos-pw-9026' };
const DEV = ['/ds/dev/shop/frontend', '/ds/dev/shop/api', '/ds/dev/shop/billing'];

let world: StoryWorld;
let work: string;
let yesterday: string;

beforeAll(async () => {
  const now = new Date();
  world = await startStoryWorld({
    now,
    deploymentMs: 300,
    registry: { basic: { user: 'ci-reader', password: SECRETS.registry } },
    marathon: { mode: 'dcos', users: { oncall: SECRETS.dcos } },
  });
  yesterday = new Date(now.getTime() - 86_400_000).toISOString().slice(0, 10);
  work = mkdtempSync(path.join(os.tmpdir(), 'rollback-ansible-'));
  mkdirSync(path.join(work, 'ansible-home'));
  const vars = path.join(work, 'vars.json');
  writeFileSync(
    vars,
    JSON.stringify({
      rollback_registry: world.registryUrl,
      rollback_target: '--dcos',
      rollback_target_url: world.marathon.url,
      rollback_dump: path.join(work, 'dump'),
      rollback_environment: {
        REGISTRY_USER: 'ci-reader',
        REGISTRY_PASSWORD: SECRETS.registry,
        DCOS_USER: 'oncall',
        DCOS_PASSWORD: SECRETS.dcos,
      },
    }),
  );
  chmodSync(vars, 0o600);
});
afterAll(async () => {
  await world?.stop();
  rmSync(work, { recursive: true, force: true });
});

interface TaskResult {
  name: string;
  /** ok, changed or fatal, as ansible-playbook reports it. */
  status: string;
  result: Record<string, any>;
}

/**
 * ansible-playbook with its default output, one JSON result per task (-v, result_format json);
 * each task's result on localhost, in order.
 */
async function play(date: string, ...flags: string[]) {
  const ansible = requireBinary('ansible-playbook');
  const home = path.join(work, 'ansible-home');
  const res = await spawnCollect(
    ansible,
    ['-v', PLAYBOOK, '-e', `@${path.join(work, 'vars.json')}`, '-e', `rollback_date=${date}`, ...flags],
    {
      cwd: work,
      env: {
        // node first: the playbook runs `node` from PATH, as on a control node.
        PATH: `${path.dirname(process.execPath)}:${process.env.PATH}`,
        HOME: home,
        ANSIBLE_HOME: home,
        ANSIBLE_LOCAL_TEMP: path.join(home, 'tmp'),
        ANSIBLE_REMOTE_TEMP: path.join(home, 'tmp'),
        ANSIBLE_CALLBACK_RESULT_FORMAT: 'json',
        ANSIBLE_CALLBACK_FORMAT_PRETTY: 'false',
        ANSIBLE_LOCALHOST_WARNING: 'false',
        ANSIBLE_INVENTORY_UNPARSED_WARNING: 'false',
        ANSIBLE_NOCOLOR: '1',
        LANG: 'C.UTF-8',
      },
    },
  );
  const output = `${res.stdout}\n${res.stderr}`;
  for (const secret of Object.values(SECRETS)) expect(output).not.toContain(secret);
  const tasks: TaskResult[] = [];
  for (const [, name, body] of res.stdout.matchAll(
    /^TASK \[(.*)\] \**\n([\s\S]*?)(?=^TASK |^PLAY RECAP)/gm,
  )) {
    const line = /^(ok|changed|fatal): \[localhost\](?:: FAILED!)? => (\{.*\})$/m.exec(body!);
    if (!line) throw new Error(`no result for task ${name}:\n${output}`);
    tasks.push({ name: name!, status: line[1]!, result: JSON.parse(line[2]!) });
  }
  const recap = /^localhost\s+: ok=(\d+)\s+changed=(\d+).*failed=(\d+)/m.exec(res.stdout);
  if (!recap) throw new Error(`ansible-playbook ended without a recap (exit ${res.code}):\n${output}`);
  return { code: res.code, tasks, stats: { changed: Number(recap[2]), failures: Number(recap[3]) } };
}

const images = () => DEV.map((id) => imageOf(world.marathon, id).replace(/^.*\//, ''));
const task = (tasks: TaskResult[], name: string) => tasks.find((t) => t.name.startsWith(name));

describe('the Ansible playbook', () => {
  // ansible-playbook starts a Python interpreter per task: slow on a busy machine.
  jest.setTimeout(240_000);

  it('under --check plans the rollback, prints the plan, and changes nothing', async () => {
    const before = images();
    const { code, tasks, stats } = await play(yesterday, '--check');
    expect({ code, ...stats }).toEqual({ code: 0, changed: 0, failures: 0 });
    const run = task(tasks, 'Roll back every service')!;
    expect(run.result.cmd).toContain('--dry-run');
    expect(run.status).toBe('ok');
    const shown = task(tasks, 'Show the result')!.result.rollback_result;
    expect(shown).toMatchObject({ ok: true, outcome: 'dry-run', date: yesterday, group: '/ds/dev' });
    expect(images()).toEqual(before);
    expect(changingRequests(world.marathon)).toEqual([]);
    // The dry run writes nothing: the catalog the get task wrote is all there is.
    expect(readdirSync(path.join(work, 'dump'))).toEqual(['rollback.json']);
  });

  it('fails loudly, before any change, for a day the registry does not offer', async () => {
    const { code, tasks, stats } = await play('2001-01-01');
    expect(code).not.toBe(0);
    expect(stats.failures).toBe(1);
    const check = task(tasks, 'Check that the registry offers that day')!;
    expect(check.status).toBe('fatal');
    expect(check.result.msg).toMatch(
      /^2001-01-01 is not a day one can roll back to; the registry offers \d{4}-/,
    );
    expect(task(tasks, 'Roll back every service')).toBeUndefined();
    expect(changingRequests(world.marathon)).toEqual([]);
  });

  it('for real moves every app of the group to its image of that day, and prints the result', async () => {
    // The story's images now and on the day before: api and frontend released yesterday, billing
    // last three days ago.
    expect(images()).toEqual(['frontend:1.6.0-develop', 'api:1.7.0-develop', 'billing:1.5.0-develop']);
    const { code, tasks, stats } = await play(yesterday);
    expect({ code, failures: stats.failures }).toEqual({ code: 0, failures: 0 });
    expect(images()).toEqual(['frontend:1.5.0-develop', 'api:1.6.0-develop', 'billing:1.4.0-develop']);
    expect(task(tasks, 'Roll back every service')!.status).toBe('changed');
    expect(stats.changed).toBe(1);
    const shown = task(tasks, 'Show the result')!.result.rollback_result;
    expect(shown).toMatchObject({ ok: true, outcome: 'succeeded', date: yesterday });
    expect(shown.services.map((s: any) => s.status)).toEqual(['deployed', 'deployed', 'deployed']);
    // The decoys stay as they were.
    expect(imageOf(world.marathon, '/ds/dev/shop/gateway-api')).toMatch(/gateway-api:2\.0\.0-develop$/);
    expect(imageOf(world.marathon, '/ds/dev2/shop/api')).toMatch(/api:1\.7\.0-develop$/);
  });
});
