import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { MarathonEmulator } from '../../src/sandbox/marathon';
import {
  APP,
  DATE,
  changingRequests,
  definitionWithoutImage,
  dumpDir,
  filesIn,
  imageOf,
  readJson,
  runArgs,
  runBundle,
  startMarathon,
  startWebhook,
  startWorld,
  type Spawned,
  type World,
} from './run-fixture';

// One rollback told from start to end on a DC/OS cluster: run, rerun, undo. The tests share the
// world and run in order.
describe('run on DC/OS with a user login (bundled helper, real registry, Marathon emulator)', () => {
  const REGISTRY = { user: 'ci-reader', password: 'reg-pa55-Secret' };
  const DCOS = { user: 'jenkins', password: 'dcos-pa55-Secret' };
  let world: World;
  let marathon: MarathonEmulator;
  let webhook: Awaited<ReturnType<typeof startWebhook>>;
  let dir: string;
  let env: NodeJS.ProcessEnv;
  let before: Record<string, Record<string, unknown>>;
  const outputs: Spawned[] = [];

  const run = async (args: string[]) => {
    const result = await runBundle(args, env);
    outputs.push(result);
    return result;
  };
  const rollbackArgs = () => runArgs({ dir, dcos: marathon.url }, '--timeout', '20');

  beforeAll(async () => {
    world = await startWorld({ registryBasic: REGISTRY });
    marathon = await startMarathon(world, { mode: 'dcos', users: { [DCOS.user]: DCOS.password } });
    webhook = await startWebhook();
    dir = dumpDir(world);
    env = {
      DCOS_USER: DCOS.user,
      DCOS_PASSWORD: DCOS.password,
      REGISTRY_USER: REGISTRY.user,
      REGISTRY_PASSWORD: REGISTRY.password,
      SLACK_WEBHOOK_URL: webhook.url,
      ROLLBACK_APPROVER: 'Alice Oncall',
    };
    before = Object.fromEntries(Object.values(APP).map((id) => [id, definitionWithoutImage(marathon, id)]));
  });
  afterAll(async () => {
    await marathon?.close();
    await webhook?.close();
    await world?.stop();
  });

  it('puts every service on its image of the day and leaves everything else as it was', async () => {
    const result = await run(rollbackArgs());
    expect(result.stderr).not.toMatch(/^rollback: /m);
    expect(result.code).toBe(0);

    const h = world.host;
    // The later of the two images of the 27th; billing filled from the 25th; frontend already there.
    expect(imageOf(marathon, APP.api)).toBe(`${h}/shop/api:1.4.3-develop`);
    expect(imageOf(marathon, APP.billing)).toBe(`${h}/shop/billing:1.3.0-develop`);
    expect(imageOf(marathon, APP.frontend)).toBe(`${h}/shop/frontend:2.0.0-develop`);
    // Decoys: another repository containing `api`, and the same repository outside the group.
    expect(imageOf(marathon, APP.gateway)).toBe(`${h}/shop/gateway-api:9.0.0-develop`);
    expect(imageOf(marathon, APP.dev2)).toBe(`${h}/shop/api:1.5.0-develop`);
    expect(imageOf(marathon, APP.nested)).toBe(`${h}/shop/api:1.5.0-develop`);
    // portMappings, volumes, docker.parameters, networks, health checks, env, labels: unchanged.
    for (const id of Object.values(APP)) expect(definitionWithoutImage(marathon, id)).toEqual(before[id]);

    const puts = changingRequests(marathon);
    expect(puts.map((r) => `${r.method} ${r.path}`).sort()).toEqual([
      'PATCH /service/marathon/v2/apps/ds/dev/shop/api',
      'PATCH /service/marathon/v2/apps/ds/dev/shop/billing',
    ]);
    for (const put of puts) {
      const body = JSON.parse(put.body) as Record<string, unknown>;
      expect(Object.keys(body)).toEqual(['container']);
    }
    // Every Marathon request went through Admin Router with the DC/OS token.
    for (const request of marathon.requests.filter((r) => r.path.startsWith('/service/marathon')))
      expect(String(request.headers.authorization)).toMatch(/^token=ey/);

    expect(result.stdout).toContain('dev → 2026-11-27 (approved by Alice Oncall): api 1.4.3-develop');
    expect(readFileSync(path.join(dir, 'rollback-summary.txt'), 'utf8')).toBe(
      'dev → 2026-11-27 (approved by Alice Oncall): api 1.4.3-develop, billing 1.3.0-develop (filled from 2026-11-25), frontend unchanged\n',
    );
    expect(filesIn(dir)).toEqual([
      'rollback-journal.json',
      'rollback-plan.json',
      'rollback-summary.txt',
      'rollback.json',
    ]);

    const journal = readJson(path.join(dir, 'rollback-journal.json'));
    expect(journal).toMatchObject({
      format: 'rollback-journal',
      version: 2,
      date: DATE,
      group: '/ds/dev',
      approver: 'Alice Oncall',
      status: 'succeeded',
    });
    expect(
      journal.apps.map((a: any) => [a.id, a.fromImage, a.toImage, a.steps.map((s: any) => s.outcome)]),
    ).toEqual([
      [
        APP.api,
        `${h}/shop/api:1.5.0-develop`,
        `${h}/shop/api:1.4.3-develop`,
        ['requested', 'started', 'succeeded'],
      ],
      [
        APP.billing,
        `${h}/shop/billing:1.4.0-develop`,
        `${h}/shop/billing:1.3.0-develop`,
        ['requested', 'started', 'succeeded'],
      ],
    ]);
    // Only what undo needs: the image and the version from before, never the definition (secrets).
    expect(Object.keys(journal.apps[0]).sort()).toEqual([
      'fromImage',
      'fromVersion',
      'id',
      'reason',
      'repository',
      'steps',
      'toImage',
    ]);

    expect(webhook.messages).toHaveLength(2);
    expect(webhook.messages[0]).toContain('Rollback of *dev* (/ds/dev) to *2026-11-27* started');
    expect(webhook.messages[0]).toContain('Approved by: Alice Oncall');
    expect(webhook.messages[0]).toContain('• api: 1.5.0-develop → 1.4.3-develop (image of that day)');
    expect(webhook.messages[0]).toContain(
      '• billing: 1.4.0-develop → 1.3.0-develop (newest earlier image from 2026-11-25)',
    );
    expect(webhook.messages[1]).toContain(
      'dev → 2026-11-27 (approved by Alice Oncall): api 1.4.3-develop, billing 1.3.0-develop (filled from 2026-11-25), frontend unchanged',
    );
  });

  it('redeploys nothing when run again with the same inputs, and keeps the journal for undo', async () => {
    const journalBefore = readFileSync(path.join(dir, 'rollback-journal.json'), 'utf8');
    const changesBefore = changingRequests(marathon).length;
    const result = await run([...rollbackArgs(), '--json']);
    expect(result.code).toBe(0);
    const json = JSON.parse(result.stdout);
    expect(json.outcome).toBe('succeeded');
    expect(json.services.map((s: any) => [s.service, s.status])).toEqual([
      ['api', 'unchanged'],
      ['billing', 'unchanged'],
      ['frontend', 'unchanged'],
    ]);
    expect(changingRequests(marathon)).toHaveLength(changesBefore);
    expect(readFileSync(path.join(dir, 'rollback-journal.json'), 'utf8')).toBe(journalBefore);
  });

  it('undo puts every journaled app back on its image from before and watches it', async () => {
    const result = await run([
      'undo',
      '--journal',
      path.join(dir, 'rollback-journal.json'),
      '--dcos',
      marathon.url,
      '--timeout',
      '20',
    ]);
    expect(result.code).toBe(0);
    const h = world.host;
    expect(imageOf(marathon, APP.api)).toBe(`${h}/shop/api:1.5.0-develop`);
    expect(imageOf(marathon, APP.billing)).toBe(`${h}/shop/billing:1.4.0-develop`);
    expect(marathon.deployments()).toEqual([]);
    expect((marathon.getApp(APP.api) as any).tasksHealthy).toBe(2);
    for (const id of Object.values(APP)) expect(definitionWithoutImage(marathon, id)).toEqual(before[id]);
    expect(result.stdout).toContain(
      'dev: undo of the rollback to 2026-11-27 (approved by Alice Oncall): api back on 1.5.0-develop, billing back on 1.4.0-develop',
    );
    // The run's journal is only read; the undo keeps its own record beside it, with every step.
    expect(readJson(path.join(dir, 'rollback-journal.json')).status).toBe('succeeded');
    const journal = readJson(path.join(dir, 'rollback-undo-journal.json'));
    expect(journal.status).toBe('undone');
    expect(journal.apps[0].steps.map((s: any) => `${s.action} ${s.outcome}`)).toEqual([
      'deploy requested',
      'deploy started',
      'deploy succeeded',
      'undo requested',
      'undo started',
      'undo succeeded',
    ]);
  });

  it('never shows a password, token or the webhook URL in output, files or Slack', () => {
    const tokens = new Set(
      marathon.requests
        .map((r) => /^token=(.+)$/.exec(String(r.headers.authorization ?? ''))?.[1])
        .filter((t): t is string => !!t),
    );
    expect(tokens.size).toBeGreaterThan(0);
    const secrets = [DCOS.password, REGISTRY.password, webhook.url, 's3cr3tW3bh00kT0ken', ...tokens];
    const places = [
      ...outputs.flatMap((o) => [o.stdout, o.stderr]),
      ...filesIn(dir).map((f) => readFileSync(path.join(dir, f), 'utf8')),
      ...webhook.raw,
    ];
    expect(places.length).toBeGreaterThan(8);
    for (const text of places) for (const secret of secrets) expect(text).not.toContain(secret);
  });
});
