/**
 * Errors of the file system in words a person acts on: a full disk and a read-only folder are the
 * operator's to fix, never "a bug in rollback".
 */

const MEANING: Record<string, string> = {
  ENOSPC: 'no space left on the device',
  EDQUOT: 'the disk quota is used up',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'the file system is read-only',
  EIO: 'input/output error of the disk',
  ENOENT: 'no such file or folder',
  ENOTDIR: 'a part of the path is not a folder',
  EISDIR: 'it is a folder',
  EMFILE: 'too many open files',
  ENAMETOOLONG: 'the path is too long',
  EEXIST: 'it exists already',
};

/** `ENOSPC (no space left on the device)`, or the message of an error that is not a file error. */
export function describeFileError(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  if (code && MEANING[code]) return `${code} (${MEANING[code]})`;
  return code ?? (err as Error)?.message ?? String(err);
}

/** An error raised by a file system call (it names a syscall and a path). */
export function isFileSystemError(err: unknown): err is NodeJS.ErrnoException & { path: string } {
  const e = err as NodeJS.ErrnoException | null;
  return typeof e?.code === 'string' && typeof e.syscall === 'string' && typeof e.path === 'string';
}
