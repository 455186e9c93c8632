import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { requireBinary } from '../support/binaries';

/**
 * Runs the Jenkins library's Groovy under Debian's Groovy 2.4.21 (the version Jenkins Pipeline runs):
 * one groovyc over the vars, the Jenkins class stubs, the harness and the checks, then one JVM for
 * a mode of test/groovy/run-checks.groovy. Synchronous on purpose: the Jest tests are generated
 * from the check names the Groovy suite reports.
 */

export const libraryRoot = path.join(__dirname, '..', '..');

const FAST_START = '-XX:TieredStopAtLevel=1 -XX:+UseSerialGC';

export interface GroovyCheck {
  name: string;
  passed: boolean;
  ms: number;
  message?: string;
  calls?: string;
  data?: Record<string, unknown>;
}

export interface GroovyRun {
  /** Why groovy/groovyc could not be found, if so. */
  missing?: string;
  vars: string[];
  classesDir: string;
  compile?: { status: number | null; output: string };
  run?: { status: number | null; output: string };
  groovyVersion?: string;
  checks: GroovyCheck[];
}

function groovyFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return groovyFiles(full);
    return entry.name.endsWith('.groovy') ? [full] : [];
  });
}

export function varNames(): string[] {
  return readdirSync(path.join(libraryRoot, 'vars'))
    .filter((f) => f.endsWith('.groovy'))
    .map((f) => f.replace(/\.groovy$/, ''))
    .sort();
}

interface Prepared {
  result: GroovyRun;
  groovy?: string;
  jvm: NodeJS.ProcessEnv;
  json: string;
}

function compileAll(mode: 'unit' | 'e2e', env: NodeJS.ProcessEnv): Prepared {
  const classesDir = mkdtempSync(path.join(os.tmpdir(), 'rollback-groovyc-'));
  const result: GroovyRun = { vars: varNames(), classesDir, checks: [] };
  // Short-lived JVMs: the C1 compiler only and the serial collector start about a third faster.
  const jvm = { ...process.env, ...env, JAVA_OPTS: `${process.env.JAVA_OPTS ?? ''} ${FAST_START}`.trim() };
  const json = path.join(classesDir, `${mode}-results.json`);
  let groovy: string;
  let groovyc: string;
  try {
    groovyc = requireBinary('groovyc');
    groovy = requireBinary('groovy');
  } catch (err) {
    result.missing = (err as Error).message;
    return { result, jvm, json };
  }
  const support = ['stubs', 'harness', 'checks'].flatMap((d) => groovyFiles(path.join(__dirname, d)));
  const vars = result.vars.map((v) => path.join(libraryRoot, 'vars', `${v}.groovy`));
  const compile = spawnSync(groovyc, ['-d', classesDir, '-encoding', 'UTF-8', ...support, ...vars], {
    cwd: libraryRoot,
    encoding: 'utf8',
    timeout: 180_000,
    env: jvm,
  });
  result.compile = {
    status: compile.status,
    output: `${compile.stdout}${compile.stderr}${compile.error ?? ''}`,
  };
  return compile.status === 0 ? { result, groovy, jvm, json } : { result, jvm, json };
}

function runArgs(prepared: Prepared, mode: string): string[] {
  return [
    '-cp',
    prepared.result.classesDir,
    path.join('test', 'groovy', 'run-checks.groovy'),
    mode,
    '--json',
    prepared.json,
  ];
}

function readReport(prepared: Prepared): GroovyRun {
  const { result, json } = prepared;
  if (existsSync(json)) {
    const report = JSON.parse(readFileSync(json, 'utf8')) as { groovyVersion: string; checks: GroovyCheck[] };
    result.groovyVersion = report.groovyVersion;
    result.checks = report.checks;
  }
  return result;
}

/** Compile, then run the checks of `mode` in one JVM, synchronously (for generating Jest tests). */
export function runGroovyChecks(mode: 'unit' | 'e2e', env: NodeJS.ProcessEnv = {}): GroovyRun {
  const prepared = compileAll(mode, env);
  if (!prepared.groovy) return prepared.result;
  const run = spawnSync(prepared.groovy, runArgs(prepared, mode), {
    cwd: libraryRoot,
    encoding: 'utf8',
    timeout: 300_000,
    env: prepared.jvm,
  });
  prepared.result.run = { status: run.status, output: `${run.stdout}${run.stderr}${run.error ?? ''}` };
  return readReport(prepared);
}

/** The same, without blocking the event loop: servers in this process (the emulator) must answer. */
export async function runGroovyChecksAsync(
  mode: 'unit' | 'e2e',
  env: NodeJS.ProcessEnv = {},
): Promise<GroovyRun> {
  const prepared = compileAll(mode, env);
  const groovy = prepared.groovy;
  if (!groovy) return prepared.result;
  prepared.result.run = await new Promise((resolve) => {
    const child = spawn(groovy, runArgs(prepared, mode), { cwd: libraryRoot, env: prepared.jvm });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (output += d.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), 300_000);
    child.on('error', (err) => {
      clearTimeout(timer);
      resolve({ status: null, output: `${output}${err}` });
    });
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, output });
    });
  });
  return readReport(prepared);
}

/** What a failed check shows in Jest: the power-assert message and the steps the vars called. */
export function describeFailure(check: GroovyCheck): string {
  return check.passed ? '' : `${check.message ?? '(no message)'}\n\nrecorded steps:\n${check.calls ?? ''}`;
}
