import { copyFileSync, existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { MarathonEmulator } from '../../src/sandbox/marathon';
import { readOnlyFile, smallDisk, type SmallDisk } from '../support/mounts';
import {
  changingRequests,
  dumpDir,
  imageOf,
  journalOf,
  lastLine,
  MARATHON_BASIC,
  MARATHON_ENV,
  readJson,
  releaseImages,
  runArgs,
  runBundle,
  startMarathon,
  startWorld,
  type World,
} from './run-fixture';

/**
 * `undo` from a journal it may not write: archived by Jenkins with its mode kept, or on a disk that
 * became read-only. The journal is only read; undo's own record goes beside it when that folder
 * takes it, else to --record FILE, and without one undo stops before changing anything, saying so.
 */

const env = MARATHON_ENV;

describe('undo from a read-only journal (bundled helper, Marathon emulator)', () => {
  let world: World;
  let marathon: MarathonEmulator | undefined;
  let disk: SmallDisk | undefined;
  let boundFile: { remove(): void } | undefined;
  let source: string;
  const original = () => releaseImages(world).before;
  const target = () => releaseImages(world).target;
  const images = () => Object.fromEntries(Object.keys(original()).map((id) => [id, imageOf(marathon!, id)]));

  beforeAll(async () => {
    world = await startWorld();
    source = dumpDir(world);
  });
  beforeEach(async () => {
    marathon = await startMarathon(world, { basic: MARATHON_BASIC, deploymentMs: 300 });
  });
  afterEach(async () => {
    boundFile?.remove();
    boundFile = undefined;
    disk?.remove();
    disk = undefined;
    await marathon?.close();
  });
  afterAll(() => world?.stop());

  /** A finished rollback whose journal is in `dir`. */
  async function rolledBack(dir: string): Promise<string> {
    copyFileSync(path.join(source, 'rollback.json'), path.join(dir, 'rollback.json'));
    const run = await runBundle(runArgs({ dir, marathon: marathon!.url }), env);
    expect(run.code).toBe(0);
    expect(images()).toEqual(target());
    return readFileSync(journalOf(dir), 'utf8');
  }

  it('a read-only journal in a writable folder: undo records beside it and puts every app back', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'rollback-ro-journal-'));
    const journal = await rolledBack(dir);
    boundFile = readOnlyFile(journalOf(dir));

    const undo = await runBundle(['undo', '--journal', journalOf(dir)], env);
    expect(undo.code).toBe(0);
    expect(images()).toEqual(original());
    expect(readFileSync(journalOf(dir), 'utf8')).toBe(journal);
    const record = readJson(path.join(dir, 'rollback-undo-journal.json'));
    expect(record.status).toBe('undone');
    expect(record.undoOf.file).toBe(journalOf(dir));
  });

  it('a journal on a read-only disk: undo stops before any change naming --record; with --record elsewhere it puts every app back', async () => {
    disk = smallDisk('1m');
    const dir = disk.dir;
    const journal = await rolledBack(dir);
    disk.readOnly();
    const sent = changingRequests(marathon!).length;
    const files = readdirSync(dir);

    const refused = await runBundle(['undo', '--journal', journalOf(dir)], env);
    expect(refused.code).toBe(1);
    const line = lastLine(refused.stderr);
    expect(line).toMatch(/^rollback: cannot (create|write) the \S+ .*EROFS \(the file system is read-only\)/);
    expect(line).toContain(dir);
    expect(line).toContain('nothing was changed');
    expect(line).toContain('pass --record FILE in a writable folder');
    expect(refused.stderr).not.toMatch(/internal error|a bug/);
    expect(changingRequests(marathon!).length).toBe(sent);
    expect(images()).toEqual(target());

    const elsewhere = path.join(mkdtempSync(path.join(os.tmpdir(), 'rollback-record-')), 'undo.json');
    const undo = await runBundle(['undo', '--journal', journalOf(dir), '--record', elsewhere], env);
    expect(undo.code).toBe(0);
    expect(images()).toEqual(original());
    expect(readJson(elsewhere).status).toBe('undone');
    // The summary goes beside the record; the read-only folder is as it was.
    expect(existsSync(path.join(path.dirname(elsewhere), 'rollback-summary.txt'))).toBe(true);
    expect(readdirSync(dir)).toEqual(files);
    expect(readFileSync(journalOf(dir), 'utf8')).toBe(journal);
  });
});
