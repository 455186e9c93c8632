/**
 * A value from outside (a flag, a file, a server's answer) shown inside a one-line message: in
 * double quotes, with control characters escaped so a newline or a terminal escape sequence in it
 * cannot forge or hide lines, and cut short so a megabyte of junk stays one readable line.
 */
export function quote(value: unknown, max = 80): string {
  const text = typeof value === 'string' ? value : String(value);
  const cut = text.length > max ? `${text.slice(0, max)}...` : text;
  // JSON escapes quotes, backslashes and C0 controls; C1 controls and line separators it leaves.
  return JSON.stringify(cut).replace(
    /[\u007f-\u009f\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
