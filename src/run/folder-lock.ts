import { closeSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FileSystemError, UsageError } from '../errors';
import { describeFileError } from '../util/file-errors';

/**
 * One rollback at a time per --dump folder. Two runs on one folder would archive each other's
 * journal, write the same file, and take each other's deployments for their own. Jenkins' lock
 * keeps builds apart; this keeps hand-run and Ansible runs apart too.
 *
 * The lock is a file created exclusively, holding the process id, the host and the process start
 * time. It is broken only when that process is gone (a run killed with SIGKILL leaves it behind):
 * the pid no longer exists on this host, or it now belongs to a process started at another time.
 */

export const LOCK_FILE = 'rollback.lock';

interface Holder {
  pid: number;
  host: string;
  /** The kernel's start time of the process (Linux), so a reused pid is not taken for the holder. */
  start?: string;
  since: string;
  command: string;
}

export interface FolderLock {
  release(): void;
}

/** The process start time as the kernel counts it (field 22 of /proc/PID/stat), where there is one. */
function processStart(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count fields after its last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

function isAlive(holder: Holder): boolean {
  if (holder.host !== os.hostname()) return true; // another machine's process: cannot tell, assume so
  try {
    process.kill(holder.pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return false;
  }
  const start = processStart(holder.pid);
  return holder.start === undefined || start === undefined || start === holder.start;
}

function readHolder(file: string): Holder | undefined {
  try {
    const value = JSON.parse(readFileSync(file, 'utf8')) as Partial<Holder>;
    return typeof value.pid === 'number' && typeof value.host === 'string' ? (value as Holder) : undefined;
  } catch {
    return undefined;
  }
}

/** A lock file without its content yet is being written by a process that just created it. */
function justCreated(file: string): boolean {
  try {
    return Date.now() - statSync(file).mtimeMs < 10_000;
  } catch {
    return false;
  }
}

/**
 * Take the lock of `dir` for `command` (as the holder's description), or throw: UsageError (exit 2)
 * when a live process holds it, FileSystemError (exit 1) when the folder cannot hold a lock, with
 * `fix` as the hint (where else to write).
 */
export function lockFolder(
  dir: string,
  command: string,
  fix = 'free space or choose a writable --dump folder',
): FolderLock {
  const file = path.join(dir, LOCK_FILE);
  const me: Holder = {
    pid: process.pid,
    host: os.hostname(),
    ...(processStart(process.pid) ? { start: processStart(process.pid)! } : {}),
    since: new Date().toISOString(),
    command,
  };
  for (let attempt = 0; attempt < 2; attempt++) {
    let fd: number;
    try {
      fd = openSync(file, 'wx', 0o600);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'EEXIST')
        throw new FileSystemError(
          `cannot create the lock ${file}: ${describeFileError(err)}; nothing was changed`,
          { hint: fix },
        );
      const holder = readHolder(file);
      if (!holder && justCreated(file))
        throw new UsageError(`another rollback is taking the lock of ${dir} right now; nothing was changed`, {
          hint: 'wait for it to end',
        });
      if (holder && isAlive(holder))
        throw new UsageError(
          `another rollback holds ${dir}: ${holder.command} (pid ${holder.pid} on ${holder.host}, since ${holder.since}); nothing was changed`,
          { hint: `wait for it to end; if that process is gone, delete ${file}` },
        );
      // Its process is gone (or the file is unreadable junk of a crash): the lock is stale.
      try {
        unlinkSync(file);
      } catch (unlinkErr) {
        // Gone already: someone else broke it first, and the next attempt decides. Anything else
        // (a folder turned read-only) is a stale lock that cannot be broken here.
        if ((unlinkErr as NodeJS.ErrnoException).code !== 'ENOENT')
          throw new FileSystemError(
            `cannot break the stale lock ${file}: ${describeFileError(unlinkErr)}; nothing was changed`,
            { hint: fix },
          );
      }
      continue;
    }
    try {
      writeSync(fd, JSON.stringify(me) + '\n');
    } catch (err) {
      // A full disk creates the file but not its content: an empty lock left behind would stop
      // the next run as "being taken right now".
      closeSync(fd);
      unlinkSync(file);
      throw new FileSystemError(
        `cannot write the lock ${file}: ${describeFileError(err)}; nothing was changed`,
        { hint: fix },
      );
    }
    closeSync(fd);
    let held = true;
    const release = () => {
      if (!held) return;
      held = false;
      process.off('exit', release);
      try {
        if (readHolder(file)?.pid === process.pid) unlinkSync(file);
      } catch {
        // Already gone.
      }
    };
    // Also when a second signal ends the process at once.
    process.on('exit', release);
    return { release };
  }
  throw new UsageError(`cannot take the lock ${file}: another process keeps creating it`);
}
