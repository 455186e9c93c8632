import { promises as fs } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';

/**
 * Write a file so a reader sees either the old content or the new one, never a torn file: a crash
 * mid-rollback must not leave a half-written journal. The temp file lives in the same directory so
 * the rename stays on one filesystem.
 *
 * Everything we write describes a production environment (app definitions with their env names,
 * registry and Marathon URLs), so files are the owner's alone (0600) and the folders we create for
 * them too (0700), whatever the umask; folders that already exist keep their mode.
 */
const FILE_MODE = 0o600;
const DIR_MODE = 0o700;

export async function writeFileAtomic(file: string, data: string): Promise<void> {
  const dir = path.dirname(file);
  await fs.mkdir(dir, { recursive: true, mode: DIR_MODE });
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  // 'wx': a temp name that exists already is someone else's file, never ours to truncate.
  const handle = await fs.open(tmp, 'wx', FILE_MODE);
  try {
    try {
      // open() applies the umask, which can only remove bits; chmod makes the mode exact.
      await handle.chmod(FILE_MODE);
      await handle.writeFile(data, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.rename(tmp, file);
  } catch (err) {
    // A full disk must not leave half a temp file behind for every attempt.
    await fs.rm(tmp, { force: true });
    throw err;
  }
}

export async function writeJsonAtomic(file: string, value: unknown): Promise<void> {
  await writeFileAtomic(file, JSON.stringify(value, null, 2) + '\n');
}
