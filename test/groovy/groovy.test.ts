import { existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import { describeFailure, runGroovyChecks, type GroovyCheck } from './groovy-support';

// The Jenkins library under Groovy 2.4.21: groovyc compiles every vars/*.groovy with stubs of the
// Jenkins classes they reference, then the harness runs the vars with recorded fake steps. Each
// Groovy check becomes one Jest test with the same name, so a failing check fails `npm test` by name.
const suite = runGroovyChecks('unit');
afterAll(() => rmSync(suite.classesDir, { recursive: true, force: true }));

// The behaviours the issue names; a check that disappears must not go unnoticed.
const REQUIRED = [
  'select: environment dev maps to tag suffix develop',
  'select: environment stage maps to tag suffix stage',
  'select: environment prod maps to tag suffix master',
  'select: environments: replaces the whole map',
  'select: waits 120 s for an answer by default',
  'select: the drop-down offers the dates exactly as the helper printed them',
  'select: a fired timeout returns null',
  'select: a timeout reported by input-step before 495.x (Rejection by SYSTEM) returns null',
  'select: Abort on the question returns null and names who aborted',
  "select: the build's Stop button is rethrown",
  'select: unknown environment is refused before anything runs',
  'select: no dates fails with a clear message and asks nothing',
  'select: every value reaches get through withEnv, none through the shell line',
  'run: date and approver come from rollbackSelectDate; the approver reaches the helper as ROLLBACK_APPROVER',
  'run: hostile values stay out of every shell line',
  'run: the rollback of prod runs inside lock rollback-prod',
  'run: the rollback of dev runs inside lock rollback-dev',
  'run: a date that is not YYYY-MM-DD is refused before the lock or any shell',
  'run: unknown environment is refused',
  'run: a failed rollback fails the build after archiving the journal',
  'pipeline: reads the registry on an agent, asks with no agent held, rolls back on an agent',
  'example: Jenkinsfile.example asks for a date on the agent, then rolls back with the approver',
  'example: Jenkinsfile.example skips the rollback and ends ABORTED when nobody chooses a date',
  'static: every vars/*.groovy keeps the Pipeline rules (constant sh scripts, @NonCPS without steps, no JsonSlurper/Matcher/File)',
  'shell rule: a secret variable expanded on a sh command line is caught (self-test)',
];

describe('Jenkins library under Groovy 2.4', () => {
  it('has groovy and groovyc installed (Debian packages groovy + default-jre-headless)', () => {
    expect(suite.missing).toBeUndefined();
  });

  it('compiles every vars/*.groovy with groovyc 2.4 and the Jenkins class stubs', () => {
    expect(suite.vars).toEqual(['rollbackPipeline', 'rollbackRun', 'rollbackSelectDate']);
    expect(suite.compile?.status === 0 ? '' : suite.compile?.output).toBe('');
    for (const name of suite.vars)
      expect(existsSync(path.join(suite.classesDir, `${name}.class`))).toBe(true);
  });

  it('runs the checks on Groovy 2.4.21, the version of Jenkins Pipeline', () => {
    expect(suite.checks.length > 0 ? '' : (suite.run?.output ?? 'the harness did not run')).toBe('');
    expect(suite.groovyVersion).toBe('2.4.21');
  });

  it('has every check the issue asks for', () => {
    const names = suite.checks.map((c) => c.name);
    expect(REQUIRED.filter((name) => !names.includes(name))).toEqual([]);
  });

  // test.each needs at least one row; an empty run is already reported above.
  const rows: GroovyCheck[] = suite.checks.length
    ? suite.checks
    : [{ name: '(no Groovy check ran)', passed: false, ms: 0, message: suite.run?.output }];
  it.each(rows.map((c) => [c.name, c] as const))('%s', (_name, check) => {
    expect(describeFailure(check)).toBe('');
  });
});
