import { readFileSync } from 'node:fs';
import path from 'node:path';
import { changeBetween, mergeUpdate, normalizeApp } from '../../src/sandbox/marathon/definition';
import { checkAppDefinition, type JsonObject } from '../../src/sandbox/marathon/validate';
import { dumpApps, exampleApps, readSharedJson } from '../integration/marathon-emulator-examples';

let port = 10000;
const allocate = (): number => port++;

describe('the copied schema', () => {
  it('has the same JSON content as ../shared/marathon/schema/AppDefinition.1.7.json', () => {
    const copy: unknown = JSON.parse(
      readFileSync(path.join(__dirname, '../../src/sandbox/marathon/schema/AppDefinition.1.7.json'), 'utf8'),
    );
    expect(copy).toEqual(readSharedJson('schema/AppDefinition.1.7.json'));
  });
});

describe('checkAppDefinition', () => {
  it.each(exampleApps())('accepts the example app %s', (_file, app) => {
    const result = checkAppDefinition({ ...app, id: `/${String(app['id']).replace(/^\//, '')}` });
    expect(result).toEqual({ ok: true, app: expect.objectContaining({ container: expect.any(Object) }) });
  });

  it('accepts all 100 apps of the real group dump', () => {
    const apps = dumpApps();
    expect(apps).toHaveLength(100);
    const rejected = apps.map((app) => checkAppDefinition(app)).filter((r) => !r.ok);
    expect(rejected).toEqual([]);
  });

  it('ignores unknown keys at any level, as Marathon does (forcePull of private-ucr-docker-app)', () => {
    const app = exampleApps().find(([f]) => f === 'private-ucr-docker-app.json')![1];
    const result = checkAppDefinition({ ...app, tasksRunning: 3, Instances: '2' });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.app).not.toHaveProperty('tasksRunning');
    expect(result.app).not.toHaveProperty('Instances');
    expect(result.app['container']).toEqual({
      type: 'MESOS',
      docker: { image: 'mesosphere/simple-docker-ee:latest', pullConfig: { secret: 'pullConfigSecret' } },
    });
  });

  it('reads null as absent', () => {
    const result = checkAppDefinition({ id: '/a', cmd: 'sleep 1', args: null, user: null, container: null });
    expect(result).toEqual({ ok: true, app: { id: '/a', cmd: 'sleep 1' } });
  });

  it('reports JSON type errors as "Invalid JSON" with Play error codes and Marathon paths', () => {
    const result = checkAppDefinition({
      id: '/a',
      cmd: 'x',
      instances: 'two',
      healthChecks: [{ portIndex: 1.5 }],
    });
    expect(result).toEqual({
      ok: false,
      body: {
        message: 'Invalid JSON',
        details: expect.arrayContaining([
          { path: '/instances', errors: ['error.expected.jsnumber'] },
          { path: '/healthChecks(0)/portIndex', errors: ['error.expected.int'] },
        ]),
      },
    });
  });

  it('reports rule violations as "Object is not valid"', () => {
    const result = checkAppDefinition({ id: '/a', cmd: 'x', upgradeStrategy: { minimumHealthCapacity: 2 } });
    expect(result).toEqual({
      ok: false,
      body: {
        message: 'Object is not valid',
        details: [{ path: '/upgradeStrategy/minimumHealthCapacity', errors: ['is greater than 1'] }],
      },
    });
  });

  it('rejects cmd together with args, and an app with neither nor a container', () => {
    const message = "AppDefinition must either contain one of 'cmd' or 'args', and/or a 'container'.";
    const apps: JsonObject[] = [{ id: '/a', cmd: 'x', args: ['y'] }, { id: '/a' }];
    for (const app of apps) {
      expect(checkAppDefinition(app)).toEqual({
        ok: false,
        body: { message: 'Object is not valid', details: [{ path: '/', errors: [message] }] },
      });
    }
  });

  it('applies Marathon’s path id rule, stricter than the schema', () => {
    for (const id of ['/ds/Dev/api', '/ds/-dev/api', '/ds/dev/versions']) {
      const result = checkAppDefinition({ id, cmd: 'x' });
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.body.details).toEqual([{ path: '/id', errors: [expect.any(String)] }]);
    }
    expect(checkAppDefinition({ id: '/ds/dev2/shop.api-1', cmd: 'x' }).ok).toBe(true);
  });
});

describe('normalizeApp', () => {
  it('replies in the 1.5 network API even for an app written in the 1.4 style', () => {
    const app = exampleApps().find(([f]) => f === 'docker-http-server.json')![1];
    const checked = checkAppDefinition(app);
    if (!checked.ok) throw new Error('example should be valid');
    const normalized = normalizeApp(checked.app, allocate);
    expect(normalized['networks']).toEqual([{ mode: 'container/bridge' }]);
    const container = normalized['container'] as JsonObject;
    expect(container['docker']).toEqual({
      image: 'python:3.5-alpine',
      forcePullImage: false,
      privileged: false,
      parameters: [],
    });
    expect(container['portMappings']).toEqual([
      { containerPort: 8080, hostPort: 0, labels: {}, protocol: 'tcp', servicePort: expect.any(Number) },
    ]);
    expect(normalized['portDefinitions']).toEqual([]);
  });

  it('fills Marathon defaults and omits empty collections', () => {
    const normalized = normalizeApp({ id: '/a', cmd: 'sleep 1', env: {}, healthChecks: [] }, allocate);
    expect(normalized).toEqual({
      id: '/a',
      cmd: 'sleep 1',
      backoffFactor: 1.15,
      backoffSeconds: 1,
      cpus: 1,
      disk: 0,
      executor: '',
      gpus: 0,
      instances: 1,
      killSelection: 'YOUNGEST_FIRST',
      labels: {},
      maxLaunchDelaySeconds: 3600,
      mem: 128,
      networks: [{ mode: 'host' }],
      portDefinitions: [{ port: expect.any(Number), protocol: 'tcp', name: 'default' }],
      requirePorts: false,
      unreachableStrategy: { inactiveAfterSeconds: 0, expungeAfterSeconds: 0 },
      upgradeStrategy: { minimumHealthCapacity: 1, maximumOverCapacity: 1 },
    });
  });

  it('keeps the service ports already assigned to the app', () => {
    const first = normalizeApp({ id: '/a', cmd: 'x' }, allocate);
    const second = normalizeApp({ id: '/a', cmd: 'x', mem: 64 }, allocate, first);
    expect(second['portDefinitions']).toEqual(first['portDefinitions']);
  });
});

describe('mergeUpdate (partialUpdate=true)', () => {
  it('replaces a top-level field whole: a container with only the image loses everything else', () => {
    const current: JsonObject = {
      id: '/a',
      instances: 3,
      container: {
        type: 'DOCKER',
        docker: { image: 'r/a:1', parameters: [{ key: 'label', value: 'x' }] },
        volumes: [{ containerPath: '/data', hostPath: '/srv', mode: 'RW' }],
      },
    };
    const merged = mergeUpdate(current, { container: { docker: { image: 'r/a:2' } } });
    expect(merged).toEqual({ id: '/a', instances: 3, container: { docker: { image: 'r/a:2' } } });
  });

  it('tells a restart from a scale from nothing', () => {
    const a = normalizeApp({ id: '/a', cmd: 'x', instances: 1 }, allocate);
    expect(changeBetween(a, { ...a })).toBe('none');
    expect(changeBetween(a, { ...a, instances: 4 })).toBe('scale');
    expect(changeBetween(a, { ...a, cmd: 'y' })).toBe('config');
  });
});
