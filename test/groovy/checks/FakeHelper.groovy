/**
 * The bundled helper's `run` or `undo` as the steps see it, answering `sh` by the contract in
 * design.md: a dry run prints the plan (the script sends it to ROLLBACK_PLAN_TEXT and the log) and
 * saves it to ROLLBACK_SAVE_PLAN; a real run exits with the next of `exits` and writes its summary,
 * plan and journal (run) or undo record (undo) where the real helper would.
 */
class FakeHelper {
    String command = 'run'
    List<String> plans = [Fixtures.PLAN]
    int dryRunExit = 0
    List<Integer> exits = [0]
    String summary = 'prod rolled back to 2026-11-13: 2 services'
    boolean writesJournal = true
    /** Runs inside the real run's `sh`, e.g. to throw the Stop button's interruption. */
    Closure duringRun = null
    /** Also run each script for real with a `node` that prints its arguments, into argvs. */
    boolean recordArgv = false
    final List<List<String>> argvs = []
    private PipelineHarness h

    int dryRuns = 0
    int runs = 0
    boolean journalWritten = false
    final List<Map> runEnvs = []

    FakeHelper install(PipelineHarness h) {
        this.h = h
        h.onSh(command == 'run' ? / run --dump / : / undo --journal /) { Map call -> answer(call) }
        // rollbackRun's "did this run write the journal?" check: yes when this fake wrote it.
        h.onSh(/cmp -s/) { Map call -> journalWritten ? 0 : 1 }
        this
    }

    private Object answer(Map call) {
        Map<String, String> env = call.env as Map<String, String>
        File dir = command == 'run' ? new File(env.ROLLBACK_DUMP) : new File(env.ROLLBACK_JOURNAL).parentFile
        dir.mkdirs()
        if (recordArgv) {
            argvs << Fixtures.argvOf(h, call)
        }
        if (env.ROLLBACK_DRY_RUN == 'true') {
            String plan = plans[Math.min(dryRuns, plans.size() - 1)]
            dryRuns++
            new File(env.ROLLBACK_PLAN_TEXT).text = plan
            if (dryRunExit == 0) {
                new File(env.ROLLBACK_SAVE_PLAN).text = '{"plan":' + dryRuns + '}\n'
            }
            return [stdout: plan, status: dryRunExit]
        }
        int exit = exits[Math.min(runs, exits.size() - 1)]
        runs++
        runEnvs << env
        if (duringRun != null) {
            duringRun.call(call, dir)
        }
        if (exit != 4 && summary != null) {
            new File(dir, 'rollback-summary.txt').text = summary + '\n'
            if (command == 'run') {
                new File(dir, 'rollback-plan.json').text = '{}\n'
                if (writesJournal) {
                    new File(dir, 'rollback-journal.json').text = '{"run":' + runs + '}\n'
                    journalWritten = true
                }
            } else {
                new File(dir, 'rollback-undo-journal.json').text = '{}\n'
            }
        }
        return exit
    }
}
