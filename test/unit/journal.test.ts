import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { InputError } from '../../src/errors';
import { Journal, UNRECORDED_ENV_VALUE, definitionOf, type JournalApp } from '../../src/journal/journal';
import { clearSecrets, registerSecret } from '../../src/util/secrets';

const before = {
  id: '/ds/dev/shop/api',
  instances: 2,
  version: '2026-11-20T10:00:00.000Z',
  container: { type: 'DOCKER', docker: { image: 'r.example.com/shop/api:1.5.0-develop' }, volumes: [] },
};

const app = (id = '/ds/dev/shop/api'): JournalApp => ({
  id,
  repository: 'shop/api',
  reason: 'image of that day',
  fromImage: 'r.example.com/shop/api:1.5.0-develop',
  toImage: 'r.example.com/shop/api:1.4.2-develop',
  before: { ...before, id },
  steps: [],
});

const fields = (apps: JournalApp[]) => ({
  catalog: {
    file: '/w/rollback.json',
    registry: 'https://r.example.com',
    environment: 'develop',
    timeZone: 'UTC',
  },
  date: '2026-11-27',
  group: '/ds/dev',
  marathon: { kind: 'dcos' as const, url: 'https://dcos.example.com' },
  onFailure: 'revert' as const,
  status: 'deploying' as const,
  apps,
});

const tmp = () => mkdtempSync(path.join(os.tmpdir(), 'rollback-journal-'));

afterEach(() => clearSecrets());

describe('Journal', () => {
  it('is on disk before create returns and reads back as written', async () => {
    const file = path.join(tmp(), 'rollback-journal.json');
    await Journal.create(file, fields([app()]));
    const read = await Journal.read(file);
    expect(read.data).toMatchObject({
      format: 'rollback-journal',
      version: 1,
      date: '2026-11-27',
      apps: [app()],
    });
  });

  it('records every step of concurrent deployments without losing one', async () => {
    const dir = tmp();
    const file = path.join(dir, 'rollback-journal.json');
    const ids = Array.from({ length: 8 }, (_, i) => `/ds/dev/shop/api-${i}`);
    const journal = await Journal.create(file, fields(ids.map((id) => app(id))));
    await Promise.all(
      ids.flatMap((id) => [
        journal.record(id, { action: 'deploy', outcome: 'started', image: 'x', deploymentId: `d-${id}` }),
        journal.record(id, { action: 'deploy', outcome: 'succeeded', image: 'x' }),
      ]),
    );
    const read = await Journal.read(file);
    expect(read.data.apps.map((a) => a.steps.map((s) => s.outcome))).toEqual(
      ids.map(() => ['started', 'succeeded']),
    );
    // Only the journal is left: every temporary file was renamed or removed.
    expect(readdirSync(dir)).toEqual(['rollback-journal.json']);
  });

  it('never writes a registered secret', async () => {
    registerSecret('hunter2-secret');
    const file = path.join(tmp(), 'rollback-journal.json');
    const journal = await Journal.create(file, fields([app()]));
    await journal.record('/ds/dev/shop/api', {
      action: 'deploy',
      outcome: 'failed',
      image: 'x',
      message: 'login hunter2-secret refused',
    });
    expect(readFileSync(file, 'utf8')).not.toContain('hunter2-secret');
  });

  it.each([
    ['not JSON', '{', /is not JSON/],
    [
      'another format',
      JSON.stringify({ format: 'rollback-catalog', version: 1 }),
      /not a valid rollback journal/,
    ],
    [
      'a newer version',
      JSON.stringify({
        ...fields([]),
        format: 'rollback-journal',
        version: 2,
        createdAt: 'x',
        updatedAt: 'x',
      }),
      /\/version/,
    ],
    [
      'an app id that is not a Marathon path',
      JSON.stringify({
        ...fields([{ ...app(), id: '/../v2' }]),
        format: 'rollback-journal',
        version: 1,
        createdAt: 'x',
        updatedAt: 'x',
      }),
      /\/apps\/0\/id/,
    ],
    [
      'a from image its definition contradicts',
      JSON.stringify({
        ...fields([{ ...app(), fromImage: 'other:1' }]),
        format: 'rollback-journal',
        version: 1,
        createdAt: 'x',
        updatedAt: 'x',
      }),
      /fromImage/,
    ],
  ])('refuses %s when read by undo', async (_, text, message) => {
    const file = path.join(tmp(), 'j.json');
    writeFileSync(file, text);
    await expect(Journal.read(file)).rejects.toThrow(InputError);
    await expect(Journal.read(file)).rejects.toThrow(message);
  });

  it('says which file is missing', async () => {
    await expect(Journal.read('/nonexistent/rollback-journal.json')).rejects.toThrow(
      /cannot read journal \/nonexistent/,
    );
  });
});

describe('definitionOf', () => {
  it('keeps the definition and drops the live status', () => {
    const def = definitionOf({
      ...before,
      tasksRunning: 2,
      tasks: [{}],
      deployments: [],
      lastTaskFailure: {},
    });
    expect(def).toEqual(before);
  });
});

describe('what the journal records of an app', () => {
  it('keeps the definition but not plain env values, which may be secrets', () => {
    const recorded = definitionOf({
      id: '/ds/dev/shop/api',
      env: { DB_PASSWORD: 'hunter2-app-secret', API_KEY: { secret: 'api-key' } },
      container: { type: 'DOCKER', docker: { image: 'r/shop/api:1.0.0-develop' } },
      tasksRunning: 2,
    });
    expect(recorded).toEqual({
      id: '/ds/dev/shop/api',
      env: { DB_PASSWORD: UNRECORDED_ENV_VALUE, API_KEY: { secret: 'api-key' } },
      container: { type: 'DOCKER', docker: { image: 'r/shop/api:1.0.0-develop' } },
    });
    expect(JSON.stringify(recorded)).not.toContain('hunter2-app-secret');
  });
});
