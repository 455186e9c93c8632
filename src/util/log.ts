import { redact } from './secrets';

/**
 * Progress reporting on stderr. stdout is reserved for the result a caller parses (dates, JSON).
 * On a terminal each tracked item (a service being deployed) gets one line that is rewritten in
 * place; anywhere else (Jenkins logs, files) every change is one plain timestamped line, because
 * cursor movements turn a console log into noise.
 */
export interface Logger {
  /** A progress line. Suppressed by --quiet. */
  info(message: string): void;
  /** Something the user should see even with --quiet. */
  warn(message: string): void;
  /** The live state of one item; only changes are printed. */
  status(key: string, text: string): void;
  /** Freeze the live lines (call before printing a summary). */
  done(): void;
}

export interface LoggerOptions {
  quiet?: boolean;
  stream?: NodeJS.WritableStream & { isTTY?: boolean };
  /** Defaults to stream.isTTY. */
  live?: boolean;
  /** Defaults to a TTY without NO_COLOR. */
  color?: boolean;
  now?: () => Date;
}

export function colorEnabled(stream: { isTTY?: boolean } = process.stderr): boolean {
  // https://no-color.org: any non-empty value disables colour.
  if (process.env.NO_COLOR) return false;
  if (process.env.FORCE_COLOR && process.env.FORCE_COLOR !== '0') return true;
  return Boolean(stream.isTTY);
}

export function paint(enabled: boolean) {
  const wrap = (code: number) => (s: string) => (enabled ? `\u001b[${code}m${s}\u001b[0m` : s);
  return { bold: wrap(1), dim: wrap(2), red: wrap(31), green: wrap(32), yellow: wrap(33), cyan: wrap(36) };
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const stream = options.stream ?? process.stderr;
  const live = options.live ?? Boolean(stream.isTTY);
  const quiet = options.quiet ?? false;
  const now = options.now ?? (() => new Date());
  const color = paint(options.color ?? colorEnabled(stream));
  const states = new Map<string, string>();
  let drawn = 0; // live lines currently on screen

  const write = (text: string) => stream.write(redact(text));
  const stamp = () => now().toISOString().slice(11, 19);
  const clearLive = () => {
    if (drawn > 0) write(`\u001b[${drawn}A\u001b[0J`);
    drawn = 0;
  };
  const drawLive = () => {
    for (const [key, text] of states) write(`${color.bold(key)}  ${text}\n`);
    drawn = states.size;
  };
  const line = (text: string) => {
    if (live) {
      clearLive();
      write(text + '\n');
      drawLive();
    } else {
      write(`${stamp()} ${text}\n`);
    }
  };

  return {
    info(message) {
      if (!quiet) line(message);
    },
    warn(message) {
      line(color.yellow(`warning: ${message}`));
    },
    status(key, text) {
      if (states.get(key) === text) return;
      states.set(key, text);
      if (quiet) return;
      if (live) {
        clearLive();
        drawLive();
      } else {
        write(`${stamp()} ${key}: ${text}\n`);
      }
    },
    done() {
      // Leave the final lines on screen; forget them so later output starts below.
      drawn = 0;
      states.clear();
    },
  };
}
