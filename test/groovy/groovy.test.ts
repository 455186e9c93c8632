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
  // issue 13, item 2: a sensible default
  'select: with a target, each day says what it changes (status --choices) and the first is the newest day that changes something',
  'select: a label maps back to its date exactly (its first 10 characters), also a no-op day chosen on purpose',
  'select: without a target the drop-down offers the plain dates and asks nothing else of the helper',
  'run: date and approver come from rollbackSelectDate; the approver reaches the helper as ROLLBACK_APPROVER',
  'run: hostile values stay out of every shell line',
  'run: the rollback of prod runs inside lock rollback-prod',
  'run: the rollback of dev runs inside lock rollback-dev',
  'run: a date that is not YYYY-MM-DD is refused before the lock or any shell',
  'run: unknown environment is refused',
  'run: a failed rollback fails the build after archiving the journal',
  "run: an earlier build's journal left in the workspace is not archived as this build's",
  // issue 13, item 1: confirm the plan; item 4: re-checked under the lock
  'confirm: the second input shows the plan lines the dry run printed, before the real run',
  'confirm: the real run expects the plan that was shown (--expect-plan), under the lock',
  'confirm: a fired timeout of the confirmation changes nothing',
  'confirm: Abort of the confirmation changes nothing and names who aborted',
  'confirm: the dry-run plan is archived with the build also when nobody confirms',
  'confirm: the approver recorded is the one who confirmed',
  'confirm: submitter and the wait of the date question apply to the confirmation too',
  'confirm: a changed plan under the lock (exit 4) is not deployed unconfirmed: the new plan is shown again',
  'confirm: confirm: false skips the question for automation (no dry run, no plan to expect)',
  'lock: inside a lock taken with variable ROLLBACK_LOCK the steps run in it, never lock again',
  // issue 13, item 5: the Stop button
  'stop: the description is set after a Stop during the rollback (FlowInterruptedException from sh), the journal archived',
  // issue 13, item 3: undo
  'undo: runs undo inside the lock and withCredentials, after an input showing the undo plan, with the journal of the selected build',
  'undo: by default the newest earlier build that archived a journal of this environment (one whose rollback changed something)',
  'undo: timeout or Abort of the confirmation changes nothing',
  'undo: a changed plan under the lock (exit 4) is shown again before anything is undone',
  'undo: the description is set after a Stop during the undo',
  // items 6, 8, 9, 10: what reaches the helper
  'target: a DC/OS service account key as a Secret file (serviceAccountKeyCredentialsId) with serviceAccountId',
  'target: the helper gets exactly the flags of the arguments (Marathon; crossEnvironment and force)',
  'select: source marathon offers the release points of history --choices; rollbackRun goes to the instant (--at, --source marathon, --with-config)',
  'target: Kubernetes: namespace from the map (default the environment), context, kubeconfig as KUBECONFIG, for status, run and undo',
  'pipeline: one lock from the question to the end; an agent only around the helper, none while asking',
  'pipeline: action undo undoes the newest rollback of the environment, or the build given',
  'example: Jenkinsfile.example holds no agent while asking, one lock from the question to the end, then rolls back with the confirmer',
  'example: Jenkinsfile.example changes nothing and ends ABORTED when nobody chooses a date',
  'example: action undo of Jenkinsfile.example undoes the newest rollback that changed something',
  'example: the Kubernetes variant of Jenkinsfile.example rolls a namespace back with a kubeconfig',
  "help: every var has its vars/*.txt, and each step's help names every argument it accepts",
  'static: every vars/*.groovy keeps the Pipeline rules (constant sh scripts, @NonCPS without steps, no JsonSlurper/Matcher/File)',
  'shell rule: a secret variable expanded on a sh command line is caught (self-test)',
];

describe('Jenkins library under Groovy 2.4', () => {
  it('has groovy and groovyc installed (Debian packages groovy + default-jre-headless)', () => {
    expect(suite.missing).toBeUndefined();
  });

  it('compiles every vars/*.groovy with groovyc 2.4 and the Jenkins class stubs', () => {
    expect(suite.vars).toEqual([
      'rollbackCommon',
      'rollbackConfirm',
      'rollbackPipeline',
      'rollbackRegistry',
      'rollbackRun',
      'rollbackSelectDate',
      'rollbackTarget',
      'rollbackUndo',
    ]);
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
