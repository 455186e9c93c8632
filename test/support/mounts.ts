import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, statfsSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * Disks that fail on purpose: a small tmpfs that fills up, or one remounted read-only. Root can
 * write through any chmod, so these are the ways a test run as root (as CI is) sees ENOSPC and
 * EROFS. Mounting needs root: a test that cannot mount fails rather than skips, so CI never passes
 * without testing anything.
 */

export interface SmallDisk {
  dir: string;
  /** Write a file that takes every free block: the next write of anyone fails with ENOSPC. */
  fill(name?: string): void;
  /** Leave about `bytes` free (rounded down to whole blocks) by filling the rest. */
  leave(bytes: number, name?: string): void;
  /** Remove what fill() and leave() wrote. */
  free(name?: string): void;
  readOnly(): void;
  writable(): void;
  /** Unmount (lazily, should a process still hold a file there) and remove the mount point. */
  remove(): void;
}

const FILLER = '.filler';

function mount(...args: string[]): void {
  try {
    execFileSync('mount', args, { stdio: 'pipe' });
  } catch (err) {
    throw new Error(
      `mount ${args.join(' ')} failed: this test needs root (CI runs as root): ${String((err as { stderr?: unknown }).stderr ?? err)}`,
      { cause: err },
    );
  }
}

function freeBytes(dir: string): number {
  const s = statfsSync(dir);
  return s.bavail * s.bsize;
}

/** Append to `file` until `keep` bytes or fewer are left; the disk's ENOSPC ends it too. */
function fillUp(file: string, keep: number): void {
  const fd = openSync(file, 'a');
  try {
    for (;;) {
      const free = freeBytes(path.dirname(file));
      if (free <= keep) return;
      const chunk = Buffer.alloc(Math.min(free - keep, 64 * 1024), 0x2e);
      try {
        writeSync(fd, chunk);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOSPC') return;
        throw err;
      }
    }
  } finally {
    closeSync(fd);
  }
}

/** A tmpfs of `size` (mount's syntax: `32k`, `1m`) on a new folder of the system's temp folder. */
export function smallDisk(size: string): SmallDisk {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'rollback-disk-'));
  try {
    mount('-t', 'tmpfs', '-o', `size=${size},mode=0700`, 'tmpfs', dir);
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  let mounted = true;
  return {
    dir,
    fill: (name = FILLER) => fillUp(path.join(dir, name), 0),
    leave: (bytes, name = FILLER) => fillUp(path.join(dir, name), bytes),
    free: (name = FILLER) => rmSync(path.join(dir, name), { force: true }),
    readOnly: () => mount('-o', 'remount,ro', dir),
    writable: () => mount('-o', 'remount,rw', dir),
    remove: () => {
      if (mounted) {
        mounted = false;
        execFileSync('umount', ['-l', dir], { stdio: 'pipe' });
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * One file made read-only where it lies (a read-only bind mount over it): its folder stays
 * writable, as for a journal copied from an archive with its mode kept.
 */
export function readOnlyFile(file: string): { remove(): void } {
  mount('--bind', file, file);
  try {
    mount('-o', 'remount,ro,bind', file);
  } catch (err) {
    execFileSync('umount', [file], { stdio: 'pipe' });
    throw err;
  }
  let mounted = true;
  return {
    remove: () => {
      if (!mounted) return;
      mounted = false;
      execFileSync('umount', ['-l', file], { stdio: 'pipe' });
    },
  };
}
