import hudson.model.Result
import hudson.model.User
import jenkins.model.CauseOfInterruption
import org.jenkinsci.plugins.workflow.steps.FlowInterruptedException
import org.jenkinsci.plugins.workflow.steps.TimeoutStepExecution
import org.jenkinsci.plugins.workflow.support.steps.input.Rejection

/** Shared set-ups of the checks: a helper that prints dates, answers to the input, interruptions. */
class Fixtures {
    static final String REGISTRY = 'https://registry.example.test:5000'
    static final List<String> DATES = ['2026-11-20', '2026-11-13', '2026-11-02']

    static Map select(Map extra = [:]) {
        [environment: 'prod', registry: REGISTRY, repos: ['shop/api', 'shop/web']] + extra
    }

    /** `get` prints `stdout` and writes the catalog where --dump points, as the real helper does. */
    static void helperPrints(PipelineHarness h, String stdout) {
        h.onSh(/ get --registry /) { Map call ->
            File dump = new File(call.env.ROLLBACK_DUMP as String)
            dump.mkdirs()
            new File(dump, 'rollback.json').text = '{"format":"rollback-catalog"}'
            stdout
        }
    }

    static void helperPrintsDates(PipelineHarness h) {
        helperPrints(h, DATES.join('\n') + '\n')
    }

    /** The input answers with the choice at `index`, approved by `approver`. */
    static void answer(PipelineHarness h, int index, String approver = 'alice') {
        h.inputHandler = { Map args ->
            [ROLLBACK_DATE: args.parameters[0].choices[index], ROLLBACK_APPROVER: approver]
        }
    }

    static void interrupt(PipelineHarness h, CauseOfInterruption cause) {
        h.inputHandler = { Map args -> throw new FlowInterruptedException(Result.ABORTED, cause) }
    }

    static CauseOfInterruption timeout() {
        new TimeoutStepExecution.ExceededTimeout('17')
    }

    static CauseOfInterruption rejectedBy(String id) {
        new Rejection(id == null ? null : new User(id))
    }

    static CauseOfInterruption stopButton() {
        new CauseOfInterruption.UserInterruption('bob')
    }

    /** `run` exits with `status` after writing a summary (when given) where --dump points. */
    static void helperRuns(PipelineHarness h, int status = 0, String summary = 'prod rolled back to 2026-11-13: 2 services') {
        h.onSh(/ run --dump /) { Map call ->
            File dump = new File(call.env.ROLLBACK_DUMP as String)
            dump.mkdirs()
            if (summary != null) {
                new File(dump, 'rollback-summary.txt').text = summary + '\n'
                new File(dump, 'rollback-plan.json').text = '{}'
                new File(dump, 'rollback-journal.json').text = '{}'
            }
            status
        }
    }

    /** Runs the step and returns the message of the AbortException it failed with (or fails itself). */
    static String failure(Closure body) {
        try {
            body()
        } catch (hudson.AbortException e) {
            return e.message
        }
        throw new AssertionError((Object) 'expected the step to fail with error(...)')
    }

    static Map<String, String> shEnv(PipelineHarness h, int index = -1) {
        h.callsOf('sh')[index].env as Map<String, String>
    }
}
