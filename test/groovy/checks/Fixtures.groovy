import hudson.model.Result
import hudson.model.User
import jenkins.model.CauseOfInterruption
import org.jenkinsci.plugins.workflow.steps.FlowInterruptedException
import org.jenkinsci.plugins.workflow.steps.TimeoutStepExecution
import org.jenkinsci.plugins.workflow.support.steps.input.Rejection

/** Shared set-ups of the checks: a helper that prints dates and plans, answers to the inputs, interruptions. */
class Fixtures {
    static final String REGISTRY = 'https://registry.example.test:5000'
    static final String MARATHON = 'https://marathon.example.test:8443'
    static final String DCOS = 'https://dcos.example.test'
    static final List<String> DATES = ['2026-11-20', '2026-11-13', '2026-11-02']
    /** `status --choices`: the newest day that changes something first, then the others newest first. */
    static final List<String> CHOICES = ['2026-11-13 · api, billing', '2026-11-20 · changes nothing',
                                         '2026-11-02 · api, billing, frontend']
    /** What `run --dry-run` prints (design.md): a header line, one line per service, then the table. */
    static final String PLAN = '''Plan: roll back /ds/prod to 2026-11-13 (3 services)
api  1.7.0-master → 1.6.0-master  image of that day
billing  1.5.0-master → 1.4.0-master  newest earlier image from 2026-11-02
frontend  stays on 2.0.0-master  already on its image of that day
'''
    /** The plan after someone deployed api 1.8.0 between the question and the lock. */
    static final String PLAN_CHANGED = '''Plan: roll back /ds/prod to 2026-11-13 (3 services)
api  1.8.0-master → 1.6.0-master  image of that day
billing  1.5.0-master → 1.4.0-master  newest earlier image from 2026-11-02
frontend  stays on 2.0.0-master  already on its image of that day
'''

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

    /** `status --choices` prints `lines`; the arguments it got go to `argvs` when given. */
    static void helperPrintsChoices(PipelineHarness h, List<String> lines = CHOICES, List argvs = null) {
        h.onSh(/ status --choices /) { Map call ->
            if (argvs != null) {
                argvs << argvOf(h, call)
            }
            lines.join('\n') + '\n'
        }
    }

    static FakeHelper helperRuns(PipelineHarness h, int exit = 0, String summary = 'prod rolled back to 2026-11-13: 2 services') {
        new FakeHelper(exits: [exit], summary: summary).install(h)
    }

    /**
     * The date question answers with the choice at `index`, approved by `chooser`; the confirmation
     * (an input with only submitterParameter, which returns the approver's ID) by `confirmer`.
     */
    static void answer(PipelineHarness h, int index, String chooser = 'alice', String confirmer = null) {
        h.inputHandler = { Map args ->
            if (args.parameters) {
                Map p = args.parameters[0] as Map
                return [(p.name): p.choices[index], ROLLBACK_APPROVER: chooser]
            }
            return confirmer ?: chooser
        }
    }

    /** Every question is ended by `cause`. */
    static void interrupt(PipelineHarness h, CauseOfInterruption cause) {
        h.inputHandler = { Map args -> throw new FlowInterruptedException(Result.ABORTED, cause) }
    }

    /** The date question is answered (choice `index`); the confirmation is ended by `cause`. */
    static void interruptConfirmation(PipelineHarness h, int index, CauseOfInterruption cause) {
        h.inputHandler = { Map args ->
            if (args.parameters) {
                Map p = args.parameters[0] as Map
                return [(p.name): p.choices[index], ROLLBACK_APPROVER: 'alice']
            }
            throw new FlowInterruptedException(Result.ABORTED, cause)
        }
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

    /** The `sh` calls of the helper command `command` (get, status, history, run, undo), in order. */
    static List<Map> helperCalls(PipelineHarness h, String command) {
        h.callsOf('sh').findAll { (it.script as String).contains("set -- ${command} ") }
    }

    /** The real runs (not dry runs) of `command`. */
    static List<Map> realRuns(PipelineHarness h, String command = 'run') {
        helperCalls(h, command).findAll { it.env.ROLLBACK_DRY_RUN != 'true' }
    }

    static List<Map> dryRuns(PipelineHarness h, String command = 'run') {
        helperCalls(h, command).findAll { it.env.ROLLBACK_DRY_RUN == 'true' }
    }

    /**
     * The arguments the helper gets from a recorded `sh`: its real script run by /bin/sh with the
     * step's environment and, first on the PATH, a `node` that prints its arguments one per line.
     */
    static List<String> argvOf(PipelineHarness h, Map call) {
        File bin = new File(h.root, 'argv-bin')
        File node = new File(bin, 'node')
        if (!node.exists()) {
            bin.mkdirs()
            node.text = '#!/bin/sh\n[ "$1" = -e ] && exit 0\nshift\nfor a in "$@"; do printf \'%s\\n\' "$a"; done\n'
            node.setExecutable(true)
        }
        Map<String, String> env = new LinkedHashMap<String, String>(call.env as Map) + [PATH: bin.path + ':' + System.getenv('PATH')]
        Map result = h.runShellForReal(call.script as String, env)
        assert result.status == 0 : "the script failed under /bin/sh: ${result}"
        return (result.stdout as String).readLines()
    }

    /** Step names in the order called, of the steps named. */
    static List<String> order(PipelineHarness h, List<String> steps) {
        h.calls.findAll { it.step in steps }.collect { Map c ->
            String name = c.step == 'sh' ? 'sh ' + shCommand(c) : c.step
            name + (c.inNode ? ' (on agent)' : '')
        }
    }

    static String shCommand(Map sh) {
        String script = sh.script as String
        for (String command : ['get', 'status', 'history', 'run', 'undo']) {
            if (script.contains("set -- ${command} ")) {
                return command == 'run' || command == 'undo' ? command + (sh.env.ROLLBACK_DRY_RUN == 'true' ? ' --dry-run' : '') : command
            }
        }
        return script.contains('cmp -s') ? 'journal check' : 'other'
    }
}
