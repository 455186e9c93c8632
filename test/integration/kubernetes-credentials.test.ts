import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Spawned } from '../support/spawn';
import { filesUnder, outcome, patches, startKubeWorld, type KubeWorld } from './kubernetes-support';

/**
 * Kubernetes credentials the way kubeconfigs carry them, through the bundled helper: a bearer
 * token, a client certificate, an exec plugin; a token the server refuses (exit 3, one line); a
 * legacy auth-provider (refused before any request). Nothing of any of them comes out: every
 * run's stdout and stderr and every file it wrote are scanned.
 */

/** A kubeconfig the emulator wrote, with its user replaced. */
function withUser(kubeconfig: string, user: Record<string, unknown>): string {
  const doc = JSON.parse(readFileSync(kubeconfig, 'utf8'));
  doc.users[0].user = user;
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'rollback-kubeconfig-')), 'config');
  writeFileSync(file, JSON.stringify(doc), { mode: 0o600 });
  return file;
}

/** `rollback: …` lines: the one-line failure, and nothing else that looks like one. */
const failureLines = (stderr: string) => stderr.split('\n').filter((l) => l.startsWith('rollback: '));

describe('Kubernetes credentials', () => {
  let world: KubeWorld;
  const runs: Spawned[] = [];
  const dumps: string[] = [];
  const secrets: string[] = [];

  beforeAll(async () => {
    world = await startKubeWorld();
  });
  afterAll(() => world?.stop());

  /** The helper with this kubeconfig, its output kept for the scan. */
  async function helper(kubeconfig: string, args: string[]): Promise<Spawned> {
    const res = await world.helper(args, { KUBECONFIG: kubeconfig });
    runs.push(res);
    return res;
  }
  function dump(): string {
    const dir = world.dump();
    dumps.push(dir);
    return dir;
  }
  const runArgs = (dir: string, namespace: string) =>
    `run --date ${world.yesterday} --dump ${dir} --kubernetes --namespace ${namespace}`.split(' ');
  const statusOf = (kubeconfig: string, namespace = 'dev') =>
    helper(kubeconfig, ['status', '--dump', dump(), '--kubernetes', '--namespace', namespace]);

  it('reads the namespace with a bearer token', async () => {
    secrets.push(world.kubernetes.token());
    const res = await statusOf(world.kubeconfig);
    expect(outcome(res)).toEqual({ code: 0, stderr: '' });
    expect(res.stdout).toMatch(/^api\s+deployment\/api\/api\s+1\.7\.0-develop/m);
    const dir = dump();
    const plan = path.join(dir, 'confirmed-plan.json');
    const dry = await helper(world.kubeconfig, [...runArgs(dir, 'dev'), '--dry-run', '--save-plan', plan]);
    expect(outcome(dry)).toEqual({ code: 0, stderr: '' });
  });

  it('rolls back, fails and undoes with a client certificate', async () => {
    const kubeconfig = world.kubernetes.kubeconfig({ credentials: 'client-certificate', context: 'certs' });
    const user = JSON.parse(readFileSync(kubeconfig, 'utf8')).users[0].user;
    expect(user.token).toBeUndefined();
    const key = Buffer.from(user['client-key-data'], 'base64').toString('utf8');
    secrets.push(user['client-key-data'], ...key.split('\n').filter((l) => l.length >= 40));
    world.seedStory('certs');
    const dir = dump();
    const run = (namespace: string, d: string) =>
      helper(kubeconfig, [
        'run',
        '--date',
        world.yesterday,
        '--dump',
        d,
        '--kubernetes',
        '--namespace',
        namespace,
      ]);

    expect(outcome(await run('certs', dir))).toEqual({ code: 0, stderr: '' });
    expect(world.tags('certs')['api/api']).toBe('1.6.0-develop');
    const undo = await helper(kubeconfig, ['undo', '--journal', path.join(dir, 'rollback-journal.json')]);
    expect(outcome(undo)).toEqual({ code: 0, stderr: '' });
    expect(world.tags('certs')['api/api']).toBe('1.7.0-develop');
    // A failed rollout writes its messages and journal too.
    world.kubernetes.hangNextRollout('certs', 'billing', { progressDeadlineMs: 300 });
    expect((await run('certs', dump())).code).toBe(1);
  });

  it('logs in through an exec plugin', async () => {
    const token = world.kubernetes.token();
    const plugin = path.join(mkdtempSync(path.join(os.tmpdir(), 'rollback-exec-')), 'credential.cjs');
    const credential = {
      apiVersion: 'client.authentication.k8s.io/v1',
      kind: 'ExecCredential',
      status: { token },
    };
    writeFileSync(plugin, `process.stdout.write(${JSON.stringify(JSON.stringify(credential))});\n`);
    const kubeconfig = withUser(world.kubeconfig, {
      exec: {
        apiVersion: 'client.authentication.k8s.io/v1',
        command: process.execPath,
        args: [plugin],
        interactiveMode: 'Never',
      },
    });
    const res = await statusOf(kubeconfig);
    expect(outcome(res)).toEqual({ code: 0, stderr: '' });
    expect(res.stdout).toMatch(/^billing\s+deployment\/billing\/billing\s+1\.5\.0-develop/m);
  });

  it("reads a service account's token file, as client-node reads the in-cluster one", async () => {
    const tokenFile = path.join(mkdtempSync(path.join(os.tmpdir(), 'rollback-sa-')), 'token');
    writeFileSync(tokenFile, world.kubernetes.token(), { mode: 0o600 });
    // loadFromCluster() describes the pod's service account as this user (the tokenFile provider).
    const kubeconfig = withUser(world.kubeconfig, {
      'auth-provider': { name: 'tokenFile', config: { tokenFile } },
    });
    const res = await statusOf(kubeconfig);
    expect(outcome(res)).toEqual({ code: 0, stderr: '' });
    expect(res.stdout).toMatch(/^frontend\s+deployment\/frontend\/frontend\s+1\.6\.0-develop/m);
  });

  it('stops on a token the server refuses: exit 3, one line, nothing changed', async () => {
    const kubeconfig = world.kubernetes.kubeconfig({ credentials: 'wrong-token' });
    secrets.push(JSON.parse(readFileSync(kubeconfig, 'utf8')).users[0].user.token);
    world.seedStory('refused');
    const res = await helper(kubeconfig, runArgs(dump(), 'refused'));
    expect(res.code).toBe(3);
    expect(failureLines(res.stderr)).toEqual([
      expect.stringMatching(
        /^rollback: Kubernetes at https:\/\/127\.0\.0\.1:\d+ refused the credentials \(user admin of context emulator\): HTTP 401 \(check the kubeconfig user/,
      ),
    ]);
    expect(res.stderr).not.toMatch(/^\s+at /m);
    expect(patches(world.kubernetes, 'refused')).toEqual([]);
  });

  it('refuses a legacy auth-provider user before any request, naming the way out', async () => {
    const refresh = 'ya29.auth-provider-refresh-0123456789abcdef';
    secrets.push(refresh);
    const kubeconfig = withUser(world.kubeconfig, {
      'auth-provider': { name: 'gcp', config: { 'access-token': refresh, 'cmd-path': '/usr/bin/gcloud' } },
    });
    const before = world.kubernetes.requests.length;
    const res = await statusOf(kubeconfig);
    expect(res.code).toBe(2);
    expect(failureLines(res.stderr)).toEqual([
      'rollback: the kubeconfig user admin logs in through the gcp auth-provider, which rollback does not support (use an exec plugin instead (kubectl 1.26+ needs one too: gke-gcloud-auth-plugin, kubelogin for Azure and OIDC))',
    ]);
    expect(world.kubernetes.requests.length).toBe(before);
  });

  it('reads KUBECONFIG as kubectl does: files merged, missing ones skipped, the first current context', async () => {
    const certs = world.kubernetes.kubeconfig({ credentials: 'client-certificate', context: 'certs' });
    const merged = [path.join(os.tmpdir(), 'no-such-kubeconfig'), certs, world.kubeconfig].join(
      path.delimiter,
    );
    const first = await statusOf(merged);
    expect(outcome(first)).toEqual({ code: 0, stderr: '' });
    expect(first.stderr).toContain('(user admin of context certs)');
    const named = await helper(merged, [
      'status',
      '--dump',
      dump(),
      '--kubernetes',
      '--context',
      'sandbox',
      '--namespace',
      'dev',
    ]);
    expect(outcome(named)).toEqual({ code: 0, stderr: '' });
    expect(named.stderr).toContain('(user admin of context sandbox)');
    const unknown = await helper(merged, [
      'status',
      '--dump',
      dump(),
      '--kubernetes',
      '--context',
      'prod',
      '--namespace',
      'dev',
    ]);
    expect(unknown.code).toBe(2);
    expect(failureLines(unknown.stderr)).toEqual([
      'rollback: --context prod is not in the kubeconfig (known: certs, sandbox)',
    ]);
  });

  it.each<[string, Record<string, unknown>, string]>([
    [
      'basic auth',
      { username: 'admin', password: 'basic-auth-password-0123456789' },
      'rollback: the kubeconfig user admin has a username and password (basic auth, removed from Kubernetes in 1.19), which rollback does not send (use a token, a client certificate or an exec plugin)',
    ],
  ])('refuses %s before any request', async (_, user, line) => {
    secrets.push(...Object.values(user).filter((v): v is string => typeof v === 'string' && v.length > 12));
    const before = world.kubernetes.requests.length;
    const res = await statusOf(withUser(world.kubeconfig, user));
    expect(res.code).toBe(2);
    expect(failureLines(res.stderr)).toEqual([line]);
    expect(world.kubernetes.requests.length).toBe(before);
  });

  it('says where credentials come from when there are none', async () => {
    const home = mkdtempSync(path.join(os.tmpdir(), 'rollback-home-'));
    const res = await world.helper(['status', '--dump', dump(), '--kubernetes', '--namespace', 'dev'], {
      KUBECONFIG: '',
      HOME: home,
    });
    runs.push(res);
    expect(res.code).toBe(2);
    expect(failureLines(res.stderr)).toEqual([
      'rollback: no Kubernetes credentials: KUBECONFIG is not set and there is no ~/.kube/config (set KUBECONFIG to your kubeconfig (Jenkins: kubeconfigCredentialsId))',
    ]);
  });

  it('never lets a token or key out: not on stdout or stderr, not in any file written', () => {
    expect(runs.length).toBeGreaterThanOrEqual(8);
    expect(secrets.length).toBeGreaterThanOrEqual(5);
    const evidence = [
      ...runs.flatMap((r, i) => [
        { where: `run ${i} stdout`, text: r.stdout },
        { where: `run ${i} stderr`, text: r.stderr },
      ]),
      ...dumps.flatMap((d) => filesUnder(d).map(({ file, text }) => ({ where: file, text }))),
    ];
    // The files a real run wrote are among them.
    expect(evidence.map((e) => path.basename(e.where))).toEqual(
      expect.arrayContaining([
        'rollback-journal.json',
        'rollback-plan.json',
        'rollback-summary.txt',
        'rollback-undo-journal.json',
        'confirmed-plan.json',
      ]),
    );
    const forms = secrets.flatMap((s) => [
      s,
      Buffer.from(s).toString('base64'),
      JSON.stringify(s).slice(1, -1),
    ]);
    const leaks = evidence.flatMap((e) => forms.filter((f) => e.text.includes(f)).map(() => e.where));
    expect(leaks).toEqual([]);
  });
});
