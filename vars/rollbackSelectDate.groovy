import com.cloudbees.groovy.cps.NonCPS

// rollbackSelectDate: find the points every service of an environment can be rolled back to, ask
// which one, return it (see rollbackSelectDate.txt). The bundled helper finds and describes them;
// this step maps, asks and passes values (rules: rollbackCommon).
//   - days from the registry (`get`); with the target known, each day says what it changes
//     (`status --choices`), the first offered being the newest day that changes something;
//   - source: 'marathon': release points from Marathon's own history (`history --choices`).

/** Finds the points on an agent, then asks with no agent held; returns the point, or null when nobody chose. */
def call(Map config = [:]) {
    Map s = selectSettings('rollbackSelectDate', config)
    List<String> choices = null
    rollbackCommon.onAgent(s.label) {
        choices = discover(config)
    }
    return ask(config, choices)
}

/**
 * Needs an agent: writes the helper, reads the registry (keeping the catalog for rollbackRun in a
 * stash) and, with a target, asks it what each point changes. Returns the choices to offer, as the
 * helper printed them.
 */
List<String> discover(Map config = [:]) {
    Map s = selectSettings('rollbackSelectDate', config)
    rollbackCommon.requireUnixAgent('rollbackSelectDate')
    List<String> dates = s.registry ? rollbackRegistry.readCatalog('rollbackSelectDate', s) : []
    List<String> choices = dates
    if (s.source == 'marathon') {
        choices = helperChoices(s, 'history')
        String odd = firstNot(choices, 'release')
        if (odd != null) {
            error("rollbackSelectDate: the helper printed '${odd}' where a release point " +
                '(YYYY-MM-DD HH:MM:SS UTC · services) was expected; ' +
                'is resources/rollback/rollback.cjs from this version?')
        }
        if (choices.isEmpty()) {
            error("rollbackSelectDate: Marathon's history of ${s.target.group} has no release point to roll back to")
        }
    } else if (s.target) {
        choices = helperChoices(s, 'status')
        String odd = firstNot(choices, 'day')
        if (odd == null) {
            odd = firstDayNotIn(choices, dates)
        }
        if (odd != null) {
            error("rollbackSelectDate: the helper printed '${odd}' where one of the dates of get, then · and what " +
                'that day changes, was expected; is resources/rollback/rollback.cjs from this version?')
        }
    }
    env.ROLLBACK_SOURCE = s.source
    return choices
}

/** Runs `get` (needs an agent) for this step's arguments: rollbackRegistry.readCatalog. */
List<String> readCatalog(Map config) {
    return rollbackRegistry.readCatalog('rollbackSelectDate', selectSettings('rollbackSelectDate', config))
}

/** `status --choices` or `history --choices` with the target's credentials; returns its lines. */
List<String> helperChoices(Map s, String command) {
    List<String> vars = ['ROLLBACK_HELPER=' + rollbackCommon.writeHelper(),
                         'ROLLBACK_DUMP=' + pwd() + '/' + rollbackCommon.dumpDir(s.environment)] +
        rollbackTarget.targetVars(s.target)
    String out = null
    withEnv(vars) {
        rollbackCommon.withOptionalCredentials(rollbackTarget.targetBindings(s.target)) {
            if (command == 'history') {
                out = sh(label: 'rollback: release points from Marathon', returnStdout: true, encoding: 'UTF-8',
                    script: historyScript())
            } else {
                out = sh(label: 'rollback: what each day changes', returnStdout: true, encoding: 'UTF-8',
                    script: choicesScript())
            }
        }
    }
    env.ROLLBACK_ENVIRONMENT = s.environment
    return rollbackCommon.nonEmptyLines(out)
}

/**
 * Shows the drop-down (needs no agent, so none is held while people think) and maps the label chosen
 * back to its point exactly. Sets env.ROLLBACK_DATE or env.ROLLBACK_AT, and env.ROLLBACK_APPROVER.
 * Returns the date (YYYY-MM-DD) or instant (YYYY-MM-DDTHH:MM:SSZ), or null when nobody chose one.
 */
String ask(Map config, List choices) {
    Map s = selectSettings('rollbackSelectDate', config)
    boolean releases = s.source == 'marathon'
    if (!choices) {
        error("rollbackSelectDate: nothing to offer for ${s.environment}; nothing to roll back to")
    }
    List<String> offered = rollbackCommon.asStrings(choices)
    String odd = firstNot(offered, releases ? 'release' : 'day')
    if (odd != null) {
        error("rollbackSelectDate: '${odd}' is not a ${releases ? 'release point' : 'date'}; refusing to offer it")
    }
    // rollbackRun's confirmation asks the same people, as long as this one.
    env.ROLLBACK_SUBMITTER = s.submitter
    env.ROLLBACK_QUESTION_TIMEOUT = s.timeoutSeconds.toString()
    String parameter = releases ? 'ROLLBACK_RELEASE' : 'ROLLBACK_DATE'
    Map question = [id: 'Rollback', message: questionText(s, releases), ok: 'Choose',
        submitterParameter: 'ROLLBACK_APPROVER',
        parameters: [choice(name: parameter, choices: offered, description: choiceDescription(s, releases))]]
    if (s.submitter) {
        question.submitter = s.submitter
    }
    Map reply = rollbackConfirm.ask('rollbackSelectDate', question, s.timeoutSeconds)
    if (reply.containsKey('unanswered')) {
        currentBuild.description = "${s.environment}: nothing chosen (${reply.unanswered}); nothing changed"
        currentBuild.result = 'ABORTED'
        return null
    }
    // One parameter plus submitterParameter makes input return a Map of the two.
    String label = reply.answer instanceof Map ? reply.answer[parameter] : reply.answer
    String approver = reply.answer instanceof Map ? reply.answer.ROLLBACK_APPROVER : null
    String point = offered.contains(label) ? pointOf(label, releases) : null
    if (point == null) {
        error("rollbackSelectDate: the answer '${label}' is not one of the choices offered; nothing is rolled back")
    }
    env.ROLLBACK_DATE = releases ? '' : point
    env.ROLLBACK_AT = releases ? point : ''
    env.ROLLBACK_APPROVER = approver ?: ''
    echo("rollbackSelectDate: ${approver ?: 'the approver'} chose ${label} for ${s.environment}")
    return point
}

/** Argument names of this step, for the unknown-argument check (a typo must not be ignored). */
List<String> selectKeys() {
    return ['environment', 'environments', 'timeoutSeconds', 'submitter', 'source', 'label'] +
        rollbackRegistry.registryKeys() + rollbackTarget.targetKeys()
}

/** Validates everything the select step uses; errors name the argument and what to pass instead. */
Map selectSettings(String step, Map config) {
    rollbackCommon.refuseUnknownKeys(step, config, selectKeys())
    Map s = rollbackCommon.environmentSettings(step, config, params.environment)
    s.source = rollbackCommon.textOf(config.source) ?: 'registry'
    if (!(s.source in ['registry', 'marathon'])) {
        error("${step}: source: expected 'registry' (days, from image dates) or 'marathon' (release points " +
            "from Marathon's history), not '${s.source}'")
    }
    s.target = rollbackTarget.hasTarget(config) ? rollbackTarget.targetSettings(step, config, s.environment) : null
    if (s.source == 'marathon' && (s.target == null || s.target.kubernetes)) {
        error("${step}: source: 'marathon' reads Marathon's history: pass marathon: or dcos: (and its credentials)")
    }
    // With source: 'marathon' the registry is optional: its catalog fills in apps whose history is too short.
    boolean needsRegistry = s.source == 'registry' || config.registry != null || config.repos != null
    s.registry = ''
    if (needsRegistry) {
        rollbackRegistry.registrySettings(step, config, s)
    }
    Integer seconds = config.timeoutSeconds == null ? 120 : rollbackCommon.positiveInt(config.timeoutSeconds)
    if (seconds == null) {
        error("${step}: timeoutSeconds: expected a whole number of seconds >= 1 (got '${config.timeoutSeconds}')")
    }
    s.timeoutSeconds = seconds
    s.caFile = rollbackCommon.textOf(config.caFile)
    s.insecure = rollbackCommon.flag(config.insecure)
    s.submitter = rollbackCommon.textOf(config.submitter)
    s.label = rollbackCommon.textOf(config.label)
    return s
}

/** What a rollback to each day of the catalog would change, on the target. */
String choicesScript() {
    return rollbackCommon.nodeCheckScript() + '''set -- status --choices --dump "$ROLLBACK_DUMP"
''' + rollbackTarget.targetArgsScript() + rollbackTarget.workloadArgsScript() + '''set -x
exec node "$ROLLBACK_HELPER" "$@"
'''
}

/** The release points of the group, from Marathon's own history. */
String historyScript() {
    return rollbackCommon.nodeCheckScript() + '''set -- history --choices
''' + rollbackTarget.targetArgsScript() + rollbackTarget.workloadArgsScript() + '''set -x
exec node "$ROLLBACK_HELPER" "$@"
'''
}

// ---- pure helpers: no step calls, so @NonCPS is allowed ----

@NonCPS
String questionText(Map s, boolean releases) {
    if (releases) {
        return "Roll back ${s.environment} to which release? Release points from Marathon's history of " +
            "${s.target.group}, newest first, each with the services it changed. " +
            'The plan is shown before anything changes.'
    }
    if (s.target) {
        return "Roll back ${s.environment} to which day? Each choice says which services a rollback to it would " +
            'change; the first is the newest day that changes something. The plan is shown before anything changes.'
    }
    return "Roll back ${s.environment} to which day? Each of the ${s.repos.size()} services gets " +
        "the newest ${s.suffix} image it had on or before that day (${s.tz ?: 'UTC'})."
}

@NonCPS
String choiceDescription(Map s, boolean releases) {
    if (releases) {
        return 'Instants at which the images or the configuration of this environment changed, newest first'
    }
    String days = 'Days on which a service of this environment got a new image'
    return days + (s.target ? ', with what a rollback to each changes' : ', newest first')
}

/** The point a label stands for: its first 10 characters (a day), or its instant (a release point). */
@NonCPS
String pointOf(String label, boolean releases) {
    if (releases) {
        return isRelease(label) ? label.substring(0, 10) + 'T' + label.substring(11, 19) + 'Z' : null
    }
    return isDay(label) ? label.substring(0, 10) : null
}

/** `2026-12-01`, or `2026-12-01 · frontend, api` (status --choices). */
@NonCPS
boolean isDay(String value) {
    return value != null && value ==~ /\d{4}-\d{2}-\d{2}(\s.*)?/
}

/** `2026-12-01 14:32:08 UTC · api, billing` (history --choices). */
@NonCPS
boolean isRelease(String value) {
    return value != null && value ==~ /\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC(\s.*)?/
}

@NonCPS
String firstNot(List<String> values, String kind) {
    for (String v : values) {
        if (!(kind == 'release' ? isRelease(v) : isDay(v))) {
            return v
        }
    }
    return null
}

/** A choice whose day is not one of the dates `get` printed: the two must describe one catalog. */
@NonCPS
String firstDayNotIn(List<String> choices, List<String> dates) {
    for (String c : choices) {
        if (!dates.contains(c.substring(0, 10))) {
            return c
        }
    }
    return null
}
