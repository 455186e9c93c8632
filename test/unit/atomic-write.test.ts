import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeFileAtomic, writeJsonAtomic } from '../../src/util/atomic-write';

const modeOf = (p: string) => statSync(p).mode & 0o777;

describe('files the helper writes', () => {
  let dir: string;
  let umask: number;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'rollback-write-'));
    // The most permissive umask: the modes must not depend on the one Jenkins happens to have.
    umask = process.umask(0);
  });
  afterEach(() => {
    process.umask(umask);
    rmSync(dir, { recursive: true, force: true });
  });

  it('are created 0600, in folders created 0700, whatever the umask', async () => {
    const file = path.join(dir, 'new', 'deeper', 'rollback.json');
    await writeJsonAtomic(file, { a: 1 });
    expect(readFileSync(file, 'utf8')).toBe('{\n  "a": 1\n}\n');
    expect(modeOf(file).toString(8)).toBe('600');
    expect(modeOf(path.join(dir, 'new')).toString(8)).toBe('700');
    expect(modeOf(path.join(dir, 'new', 'deeper')).toString(8)).toBe('700');
  });

  it('become 0600 when they replace a file that was readable by others', async () => {
    const file = path.join(dir, 'rollback-journal.json');
    await writeFileAtomic(file, 'old\n');
    chmodSync(file, 0o644);
    await writeFileAtomic(file, 'new\n');
    expect(readFileSync(file, 'utf8')).toBe('new\n');
    expect(modeOf(file).toString(8)).toBe('600');
  });

  it('leave the mode of a folder that already exists alone, and no temp file behind', async () => {
    const existing = path.join(dir, 'workspace');
    mkdirSync(existing, { mode: 0o755 });
    await writeFileAtomic(path.join(existing, 'rollback-plan.json'), '{}\n');
    expect(modeOf(existing).toString(8)).toBe('755');
    expect(readdirSync(existing)).toEqual(['rollback-plan.json']);
  });

  it('remove their temp file when the write fails', async () => {
    // The target is a folder: the final rename fails after the temp file was written.
    const target = path.join(dir, 'taken');
    mkdirSync(path.join(target, 'inside'), { recursive: true });
    await expect(writeFileAtomic(target, 'x')).rejects.toThrow();
    expect(readdirSync(dir)).toEqual(['taken']);
  });
});
