import com.cloudbees.groovy.cps.NonCPS

// rollbackRun: put every service of an environment back on what it ran at the chosen point, through
// the bundled helper's `run` (see rollbackRun.txt): dry run, the plan confirmed by a person, then the
// run held to that plan, under the environment lock (rollbackConfirm). Rules: rollbackCommon.

/** Returns the one-line summary; null when nobody confirmed. Fails the build when the helper fails. */
def call(Map config = [:]) {
    refuseUnknownKeys(config)
    Map s = runSettings(config)
    String dir = rollbackCommon.dumpDir(s.environment)
    Map job = [
        step: 'rollbackRun', environment: s.environment, label: s.label, what: "${s.environment} to ${s.point}",
        done: "${s.environment} rolled back to ${s.point}",
        question: "Roll back ${s.environment} to ${s.point}?", ok: 'Roll back', inputId: 'ConfirmRollback',
        dir: dir, planName: 'rollback-dry-run', confirm: s.confirm, dryRun: s.dryRun, submitter: s.submitter,
        questionSeconds: s.questionTimeoutSeconds, approver: s.approver,
        afterStop: "the journal (${dir}/rollback-journal.json, archived) records every change sent: run the job " +
            'again for the same point to finish the rollback, or undo it (rollbackUndo, action undo)',
    ]
    boolean first = true
    job.prepare = {
        rollbackCommon.requireUnixAgent('rollbackRun')
        provideCatalog(config, s, first)
        first = false
    }
    job.helper = { Map phase ->
        int status = -1
        List<String> vars = ['ROLLBACK_HELPER=' + rollbackCommon.writeHelper(), 'ROLLBACK_DUMP=' + pwd() + '/' + dir] +
            runVars(s) + rollbackTarget.targetVars(s.target) + phase.vars
        withEnv(vars) {
            rollbackCommon.withOptionalCredentials(credentialBindings(s)) {
                status = sh(label: 'rollback: ' + phase.label, returnStatus: true, script: runScript())
            }
        }
        return status
    }
    job.afterRun = {
        archiveRun(dir)
    }
    return rollbackConfirm.apply(job)
}

List<String> runKeys() {
    return ['environment', 'environments', 'date', 'at', 'source', 'slackCredentialsId', 'registryCredentialsId',
            'dryRun', 'timeoutSeconds', 'onFailure', 'approver', 'allowMissing', 'force', 'pinDigest',
            'crossEnvironment', 'withConfig', 'confirm', 'submitter', 'questionTimeoutSeconds', 'label'] +
        rollbackTarget.targetKeys()
}

void refuseUnknownKeys(Map config) {
    // registry/repos (and the rest of rollbackSelectDate's) are accepted to read the catalog directly.
    List<String> known = runKeys() + rollbackSelectDate.selectKeys()
    rollbackCommon.refuseUnknownKeys('rollbackRun', config, known.unique())
}

/** Validates everything before the lock is taken or anything is written. */
Map runSettings(Map config) {
    Map s = rollbackCommon.environmentSettings('rollbackRun', config, env.ROLLBACK_ENVIRONMENT ?: params.environment)
    s.source = rollbackCommon.textOf(config.source) ?: rollbackCommon.textOf(env.ROLLBACK_SOURCE) ?: 'registry'
    if (!(s.source in ['registry', 'marathon'])) {
        error("rollbackRun: source: expected 'registry' or 'marathon', not '${s.source}'")
    }
    pointSettings(config, s)
    s.target = rollbackTarget.targetSettings('rollbackRun', config, s.environment)
    if (s.source == 'marathon' && s.target.kubernetes) {
        error("rollbackRun: source: 'marathon' rolls back to a point of Marathon's history: pass marathon: or dcos:")
    }
    Integer seconds = null
    if (config.timeoutSeconds != null) {
        seconds = rollbackCommon.positiveInt(config.timeoutSeconds)
        if (seconds == null) {
            error('rollbackRun: timeoutSeconds: expected a whole number of seconds >= 1 ' +
                "(got '${config.timeoutSeconds}')")
        }
    }
    def askFor = config.questionTimeoutSeconds != null ? config.questionTimeoutSeconds :
        (env.ROLLBACK_QUESTION_TIMEOUT ?: 120)
    s.questionTimeoutSeconds = rollbackCommon.positiveInt(askFor)
    if (s.questionTimeoutSeconds == null) {
        error("rollbackRun: questionTimeoutSeconds: expected a whole number of seconds >= 1 (got '${askFor}')")
    }
    String onFailure = rollbackCommon.textOf(config.onFailure)
    if (onFailure && !(onFailure in ['revert', 'keep'])) {
        error("rollbackRun: onFailure: expected 'revert' (put changed apps back) or 'keep' (got '${onFailure}')")
    }
    s.registryCredentialsId = rollbackCommon.textOf(config.registryCredentialsId != null ?
        config.registryCredentialsId : env.ROLLBACK_REGISTRY_CREDENTIALS_ID)
    s.slackCredentialsId = rollbackCommon.textOf(config.slackCredentialsId)
    s.timeoutSeconds = seconds == null ? '' : seconds.toString()
    s.onFailure = onFailure
    s.confirm = config.confirm == null || rollbackCommon.flag(config.confirm) == 'true'
    s.dryRun = rollbackCommon.flag(config.dryRun) == 'true'
    s.submitter = rollbackCommon.textOf(config.submitter != null ? config.submitter : env.ROLLBACK_SUBMITTER)
    s.approver = rollbackCommon.textOf(config.approver != null ? config.approver : env.ROLLBACK_APPROVER)
    s.label = rollbackCommon.textOf(config.label)
    for (String key : ['force', 'allowMissing', 'pinDigest', 'crossEnvironment', 'withConfig']) {
        s[key] = rollbackCommon.flag(config[key])
    }
    return s
}

/** The point: a day (date:) or an instant (at:), by default the one rollbackSelectDate chose. */
void pointSettings(Map config, Map s) {
    if (config.date != null && config.at != null) {
        error('rollbackRun: pass date: (a day) or at: (an instant), not both')
    }
    boolean explicit = config.date != null || config.at != null
    String date = rollbackCommon.textOf(explicit ? config.date : env.ROLLBACK_DATE)
    String at = rollbackCommon.textOf(explicit ? config.at : env.ROLLBACK_AT)
    if (!date && !at) {
        error('rollbackRun: no date: pass date: \'YYYY-MM-DD\' (or at: an instant), or call rollbackSelectDate ' +
            'first (it returns null, and sets no date, when nobody chose one)')
    }
    if (date && !rollbackCommon.isDate(date)) {
        error("rollbackRun: date: expected YYYY-MM-DD (got '${date}')")
    }
    if (at && !isInstant(at)) {
        error("rollbackRun: at: expected an instant like 2026-12-01T14:32:08Z (got '${at}')")
    }
    if (date && s.source == 'marathon') {
        error("rollbackRun: source: 'marathon' goes to an instant of Marathon's history: pass at:, not date:")
    }
    s.date = at ? '' : date
    s.at = at
    s.point = at ?: date
}

/**
 * Puts the catalog of rollbackSelectDate into this workspace (the rollback may run on another agent
 * than the question), or reads the registry now when registry: and repos: are given.
 */
void provideCatalog(Map config, Map s, boolean first) {
    if (env.ROLLBACK_ENVIRONMENT == s.environment && env.ROLLBACK_CATALOG == 'stashed') {
        unstash(rollbackCommon.catalogStash(s.environment))
        return
    }
    if (first && (config.registry != null || config.repos != null)) {
        Map selectConfig = [:]
        for (String key : rollbackSelectDate.selectKeys()) {
            if (config.containsKey(key)) {
                selectConfig[key] = config[key]
            }
        }
        selectConfig.environment = s.environment
        rollbackSelectDate.readCatalog(selectConfig)
        return
    }
    // Marathon's history needs no catalog (with one, it fills in apps whose history is too short).
    if (s.source != 'marathon') {
        error("rollbackRun: no catalog of ${s.environment}: call " +
            "rollbackSelectDate(environment: '${s.environment}', ...) earlier in this build, " +
            'or pass registry: and repos: so rollbackRun reads the registry itself')
    }
}

List credentialBindings(Map s) {
    List bindings = rollbackRegistry.registryBindings(s.registryCredentialsId) + rollbackTarget.targetBindings(s.target)
    if (s.slackCredentialsId) {
        bindings.add(string(credentialsId: s.slackCredentialsId, variable: 'SLACK_WEBHOOK_URL'))
    }
    return bindings
}

List<String> runVars(Map s) {
    return ['ROLLBACK_DATE=' + s.date, 'ROLLBACK_AT=' + s.at,
            'ROLLBACK_SOURCE=' + (s.source == 'marathon' ? s.source : ''),
            'ROLLBACK_TIMEOUT=' + s.timeoutSeconds, 'ROLLBACK_ON_FAILURE=' + s.onFailure, 'ROLLBACK_FORCE=' + s.force,
            'ROLLBACK_ALLOW_MISSING=' + s.allowMissing, 'ROLLBACK_PIN_DIGEST=' + s.pinDigest,
            'ROLLBACK_CROSS_ENVIRONMENT=' + s.crossEnvironment, 'ROLLBACK_WITH_CONFIG=' + s.withConfig]
}

/**
 * Archives what the run left (needs the agent; runs in a finally, so also after Stop) and returns
 * the helper's summary line. The journal only when this run wrote it: an earlier build's journal
 * stays in the workspace for the helper, and must not pass for this build's (rollbackUndo looks for it).
 */
String archiveRun(String dir) {
    List<String> files = [dir + '/rollback-plan.json', dir + '/rollback-summary.txt']
    int written = -1
    withEnv(['ROLLBACK_DUMP=' + pwd() + '/' + dir]) {
        written = sh(label: 'rollback: did this run write the journal?', returnStatus: true,
            script: journalWrittenScript())
    }
    if (written == 0) {
        files.add(dir + '/rollback-journal.json')
    }
    archiveArtifacts(artifacts: files.join(','), allowEmptyArchive: true)
    String summaryFile = dir + '/rollback-summary.txt'
    return fileExists(summaryFile) ? readFile(file: summaryFile, encoding: 'UTF-8').trim() : ''
}

String runScript() {
    return rollbackCommon.nodeCheckScript() + '''mkdir -p "$ROLLBACK_DUMP"
if [ -n "$ROLLBACK_PLAN_TEXT" ]; then
  rm -f "$ROLLBACK_PLAN_TEXT" "$ROLLBACK_SAVE_PLAN"
else
  # The plan and summary archived must come from this run, not from an earlier build in this workspace.
  # The journal stays: the helper renames an earlier one aside itself, and finishes a run of the same
  # point that an aborted or killed build left unfinished. Its checksum tells whether this run wrote it.
  rm -f "$ROLLBACK_DUMP/rollback-plan.json" "$ROLLBACK_DUMP/rollback-summary.txt"
''' + journalBeforeScript() + '''fi
set -- run --dump "$ROLLBACK_DUMP"
if [ -n "$ROLLBACK_AT" ]; then set -- "$@" --at "$ROLLBACK_AT"; else set -- "$@" --date "$ROLLBACK_DATE"; fi
if [ -n "$ROLLBACK_SOURCE" ]; then set -- "$@" --source "$ROLLBACK_SOURCE"; fi
''' + rollbackTarget.targetArgsScript() + rollbackTarget.workloadArgsScript() +
        '''if [ -n "$ROLLBACK_TIMEOUT" ]; then set -- "$@" --timeout "$ROLLBACK_TIMEOUT"; fi
if [ -n "$ROLLBACK_ON_FAILURE" ]; then set -- "$@" --on-failure "$ROLLBACK_ON_FAILURE"; fi
if [ "$ROLLBACK_FORCE" = true ]; then set -- "$@" --force; fi
if [ "$ROLLBACK_ALLOW_MISSING" = true ]; then set -- "$@" --allow-missing; fi
if [ "$ROLLBACK_PIN_DIGEST" = true ]; then set -- "$@" --pin-digest; fi
if [ "$ROLLBACK_CROSS_ENVIRONMENT" = true ]; then set -- "$@" --cross-environment; fi
if [ "$ROLLBACK_WITH_CONFIG" = true ]; then set -- "$@" --with-config; fi
''' + rollbackCommon.helperExecScript()
}

/** Notes the journal's checksum before the real run (an empty file: there was none). */
String journalBeforeScript() {
    return '''if [ -f "$ROLLBACK_DUMP/rollback-journal.json" ]; then
  cksum < "$ROLLBACK_DUMP/rollback-journal.json" > "$ROLLBACK_DUMP/.journal-before"
else
  : > "$ROLLBACK_DUMP/.journal-before"
fi
'''
}

/** Exit 0 when the journal differs from the one before the run (so this run wrote it), else 1. */
String journalWrittenScript() {
    return '''set +x
journal="$ROLLBACK_DUMP/rollback-journal.json"
[ -f "$journal" ] || exit 1
if [ -f "$ROLLBACK_DUMP/.journal-before" ] && cksum < "$journal" | cmp -s - "$ROLLBACK_DUMP/.journal-before"; then
  exit 1
fi
exit 0
'''
}

// ---- pure helpers: no step calls, so @NonCPS is allowed ----

/** 2026-12-01T14:32:08Z, with optional fraction, Z or an offset (what history's points translate to). */
@NonCPS
boolean isInstant(String value) {
    return value ==~ /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})/
}
