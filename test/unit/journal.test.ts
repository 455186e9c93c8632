import { chmodSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FileSystemError, InputError } from '../../src/errors';
import { Journal, type JournalApp } from '../../src/journal/journal';
import { clearSecrets, registerSecret } from '../../src/util/secrets';

const app = (id = '/ds/dev/shop/api'): JournalApp => ({
  id,
  repository: 'shop/api',
  reason: 'image of that day',
  fromImage: 'r.example.com/shop/api:1.5.0-develop',
  toImage: 'r.example.com/shop/api:1.4.2-develop',
  fromVersion: '2026-11-20T10:00:00.000Z',
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
  target: { kind: 'dcos' as const, url: 'https://dcos.example.com' },
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
      version: 2,
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

  const v1 = (apps: Array<Record<string, unknown>>) =>
    JSON.stringify({
      format: 'rollback-journal',
      version: 1,
      createdAt: 'x',
      updatedAt: 'x',
      catalog: fields([]).catalog,
      date: '2026-11-27',
      group: '/ds/dev',
      marathon: { kind: 'marathon', url: 'http://m' },
      status: 'failed',
      apps,
    });
  const v1App = {
    id: '/ds/dev/shop/api',
    repository: 'shop/api',
    fromImage: 'r/shop/api:1.5.0-develop',
    toImage: 'r/shop/api:1.4.2-develop',
    before: {
      id: '/ds/dev/shop/api',
      version: '2026-11-20T10:00:00.000Z',
      env: { DB_PASSWORD: '<not recorded>' },
      container: { docker: { image: 'r/shop/api:1.5.0-develop' } },
    },
    steps: [],
  };

  it('reads a journal of version 1 (whole definitions) as version 2: images and versions only', async () => {
    const file = path.join(tmp(), 'j.json');
    writeFileSync(file, v1([v1App]));
    const read = await Journal.read(file);
    expect(read.data.target).toEqual({ kind: 'marathon', url: 'http://m' });
    expect(read.data.apps[0]).toEqual({
      id: '/ds/dev/shop/api',
      repository: 'shop/api',
      fromImage: 'r/shop/api:1.5.0-develop',
      toImage: 'r/shop/api:1.4.2-develop',
      fromVersion: '2026-11-20T10:00:00.000Z',
      steps: [],
    });
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
        version: 3,
        createdAt: 'x',
        updatedAt: 'x',
      }),
      /journal of version 3/,
    ],
    [
      'an app id that is neither a Marathon path nor a workload',
      JSON.stringify({
        ...fields([{ ...app(), id: '../v2' }]),
        format: 'rollback-journal',
        version: 2,
        createdAt: 'x',
        updatedAt: 'x',
      }),
      /\/apps\/0\/id/,
    ],
    [
      'a version 1 from image its definition contradicts',
      v1([{ ...v1App, fromImage: 'other:1' }]),
      /fromImage/,
    ],
    [
      'an app definition in a version 2 journal (it may hold secrets)',
      JSON.stringify({
        ...fields([{ ...app(), before: { id: 'x' } } as JournalApp]),
        format: 'rollback-journal',
        version: 2,
        createdAt: 'x',
        updatedAt: 'x',
      }),
      /must NOT have additional properties/,
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

describe('a journal write that fails', () => {
  it('keeps every step in memory, tells its owner once, and says which step reached the disk', async () => {
    const dir = tmp();
    const file = path.join(dir, 'sub', 'rollback-journal.json');
    const journal = await Journal.create(file, fields([app()]));
    const failures: FileSystemError[] = [];
    journal.onFailure = (f) => failures.push(f);
    expect(
      await journal.record('/ds/dev/shop/api', { action: 'deploy', outcome: 'requested', image: 'x' }),
    ).toBe(true);
    // The folder disappears under the journal (replaced by a file): every later write fails, for
    // root too (a chmod would not stop root).
    const { rmSync } = await import('node:fs');
    rmSync(path.join(dir, 'sub'), { recursive: true });
    writeFileSync(path.join(dir, 'sub'), 'not a folder');
    expect(
      await journal.record('/ds/dev/shop/api', { action: 'deploy', outcome: 'started', image: 'x' }),
    ).toBe(false);
    expect(
      await journal.record('/ds/dev/shop/api', { action: 'deploy', outcome: 'succeeded', image: 'x' }),
    ).toBe(false);
    expect(failures).toHaveLength(1);
    expect(failures[0]).toBeInstanceOf(FileSystemError);
    expect(failures[0]!.message).toMatch(
      /cannot write the journal .*rollback-journal\.json: (EEXIST|ENOTDIR)/,
    );
    expect(journal.app('/ds/dev/shop/api').steps.map((s) => s.outcome)).toEqual([
      'requested',
      'started',
      'succeeded',
    ]);
  });

  it('refuses to create a journal it cannot write, as a file-system error', async () => {
    const dir = tmp();
    writeFileSync(path.join(dir, 'file'), 'x');
    await expect(Journal.create(path.join(dir, 'file', 'j.json'), fields([app()]))).rejects.toThrow(
      FileSystemError,
    );
    chmodSync(dir, 0o700);
  });
});
