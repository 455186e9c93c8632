import com.cloudbees.groovy.cps.NonCPS

// rollbackUndo: undo the rollback of an earlier build of this job from that build's archived
// journal, through the helper's `undo` (see rollbackUndo.txt): same target arguments, lock,
// dry run, confirmation and plan check as rollbackRun (rollbackConfirm). Rules: rollbackCommon.

/**
 * How many earlier builds the default looks through. Copy Artifact has no selector for "the newest
 * build that archived this file" (lastWithArtifacts also takes a build that archived only a plan
 * nobody confirmed), so the step asks each build in turn; `build: N` reaches further back.
 */
@groovy.transform.Field
static final int SEARCH_BUILDS = 50

/** Returns the undo's summary; null when nobody confirmed. Fails the build when the helper fails. */
def call(Map config = [:]) {
    rollbackCommon.refuseUnknownKeys('rollbackUndo', config, undoKeys())
    Map s = undoSettings(config)
    String dir = rollbackCommon.dumpDir(s.environment) + '/undo'
    Map undone = [build: 0]
    Map job = [step: 'rollbackUndo', environment: s.environment, label: s.label, dir: dir, planName: 'undo-dry-run',
        inputId: 'ConfirmUndo', ok: 'Undo', confirm: s.confirm, dryRun: s.dryRun, submitter: s.submitter,
        questionSeconds: s.questionTimeoutSeconds, approver: s.approver]
    job.prepare = {
        rollbackCommon.requireUnixAgent('rollbackUndo')
        unstash(journalStash(s.environment))
    }
    job.helper = { Map phase ->
        int status = -1
        List<String> vars = ['ROLLBACK_HELPER=' + rollbackCommon.writeHelper(),
            'ROLLBACK_JOURNAL=' + pwd() + '/' + dir + '/rollback-journal.json', 'ROLLBACK_TIMEOUT=' + s.timeoutSeconds,
            'ROLLBACK_FORCE=' + s.force] + rollbackTarget.targetVars(s.target) + phase.vars
        withEnv(vars) {
            rollbackCommon.withOptionalCredentials(credentialBindings(s)) {
                status = sh(label: 'rollback: undo ' + phase.label, returnStatus: true, script: undoScript())
            }
        }
        return status
    }
    job.afterRun = {
        archiveArtifacts(artifacts: dir + '/rollback-undo-journal.json,' + dir + '/rollback-summary.txt',
            allowEmptyArchive: true)
        String summaryFile = dir + '/rollback-summary.txt'
        String summary = fileExists(summaryFile) ? readFile(file: summaryFile, encoding: 'UTF-8').trim() : ''
        // The helper's line says it is an undo; which build's rollback it undid is Jenkins' to add.
        return summary ? "${summary} (rollback of build #${undone.build})" : ''
    }
    // From finding the journal to the end, one lock: the journal chosen is the one undone.
    return rollbackCommon.withEnvironmentLock(s.environment) {
        rollbackCommon.onAgent(s.label) {
            rollbackCommon.requireUnixAgent('rollbackUndo')
            undone.build = fetchJournal(s, dir)
        }
        String what = "${s.environment}: undo of the rollback of build #${undone.build}"
        rollbackConfirm.apply(job + [what: what, done: what + ': done',
            question: "Undo the rollback of build #${undone.build} on ${s.environment}?",
            afterStop: "the undo record (${dir}/rollback-undo-journal.json, archived) says what was put back: " +
                'run the undo again to finish it'])
    }
}

List<String> undoKeys() {
    return ['environment', 'environments', 'build', 'slackCredentialsId', 'dryRun', 'timeoutSeconds', 'force',
            'confirm', 'submitter', 'questionTimeoutSeconds', 'approver', 'label'] + rollbackTarget.targetKeys()
}

/** Validates everything before the lock is taken or anything is written. */
Map undoSettings(Map config) {
    Map s = rollbackCommon.environmentSettings('rollbackUndo', config, params.environment)
    s.target = rollbackTarget.targetSettings('rollbackUndo', config, s.environment)
    String build = rollbackCommon.textOf(config.build)
    s.build = build ? rollbackCommon.positiveInt(build) : null
    if (build && s.build == null) {
        error("rollbackUndo: build: expected the number of an earlier build of this job (got '${build}')")
    }
    if (s.build != null && env.BUILD_NUMBER && s.build >= rollbackCommon.positiveInt(env.BUILD_NUMBER)) {
        error("rollbackUndo: build: #${s.build} is not an earlier build than this one (#${env.BUILD_NUMBER})")
    }
    Integer seconds = null
    if (config.timeoutSeconds != null) {
        seconds = rollbackCommon.positiveInt(config.timeoutSeconds)
        if (seconds == null) {
            error('rollbackUndo: timeoutSeconds: expected a whole number of seconds >= 1 ' +
                "(got '${config.timeoutSeconds}')")
        }
    }
    def askFor = config.questionTimeoutSeconds != null ? config.questionTimeoutSeconds : 120
    s.questionTimeoutSeconds = rollbackCommon.positiveInt(askFor)
    if (s.questionTimeoutSeconds == null) {
        error("rollbackUndo: questionTimeoutSeconds: expected a whole number of seconds >= 1 (got '${askFor}')")
    }
    s.timeoutSeconds = seconds == null ? '' : seconds.toString()
    s.slackCredentialsId = rollbackCommon.textOf(config.slackCredentialsId)
    s.confirm = config.confirm == null || rollbackCommon.flag(config.confirm) == 'true'
    s.dryRun = rollbackCommon.flag(config.dryRun) == 'true'
    s.force = rollbackCommon.flag(config.force)
    s.submitter = rollbackCommon.textOf(config.submitter)
    s.approver = rollbackCommon.textOf(config.approver)
    s.label = rollbackCommon.textOf(config.label)
    return s
}

/**
 * Copies the journal of build s.build, or of the newest earlier build that archived one for this
 * environment, into `folder` (Copy Artifact); stashes it for the agents that follow. Returns the build.
 * A build archives the journal only when its own run wrote it (rollbackRun), so "has the journal"
 * means "its rollback changed something".
 */
int fetchJournal(Map s, String folder) {
    String archived = rollbackCommon.dumpDir(s.environment) + '/rollback-journal.json'
    String journal = folder + '/rollback-journal.json'
    dir(folder) {
        deleteDir() // a journal copied by an earlier undo in this workspace must not pass for this one's
    }
    Integer found = null
    if (s.build != null) {
        copyJournal(archived, s.build, folder)
        if (!fileExists(journal)) {
            failFetch(s, "build #${s.build} of this job archived no ${archived}: its rollback changed nothing, " +
                "or it was no rollback of ${s.environment} (or the build is gone)")
        }
        found = s.build
    }
    // currentBuild.previousBuild is whitelisted for the sandbox (rawBuild would not be).
    def candidate = currentBuild.previousBuild
    int looked = 0
    while (found == null && candidate != null && looked < SEARCH_BUILDS) {
        copyJournal(archived, candidate.number as int, folder)
        if (fileExists(journal)) {
            found = candidate.number as int
        }
        candidate = candidate.previousBuild
        looked++
    }
    if (found == null) {
        failFetch(s, "none of the ${looked} builds before this one archived ${archived}, so none rolled " +
            "${s.environment} back and changed something; pass build: N for an older one")
    }
    stash(name: journalStash(s.environment), includes: journal)
    echo("rollbackUndo: undoing the rollback of build #${found} (${archived})")
    return found
}

void copyJournal(String archived, int build, String folder) {
    // optional: a build without it is not an error here; the caller looks for the file.
    copyArtifacts(projectName: env.JOB_NAME, selector: specific(build.toString()), filter: archived,
        target: folder, flatten: true, optional: true, fingerprintArtifacts: true)
}

void failFetch(Map s, String why) {
    currentBuild.description = "${s.environment}: nothing to undo (${why})"
    error("rollbackUndo: nothing to undo: ${why}")
}

List credentialBindings(Map s) {
    List bindings = rollbackTarget.targetBindings(s.target)
    if (s.slackCredentialsId) {
        bindings.add(string(credentialsId: s.slackCredentialsId, variable: 'SLACK_WEBHOOK_URL'))
    }
    return bindings
}

String undoScript() {
    return rollbackCommon.nodeCheckScript() + '''if [ -n "$ROLLBACK_PLAN_TEXT" ]; then
  rm -f "$ROLLBACK_PLAN_TEXT" "$ROLLBACK_SAVE_PLAN"
else
  # The summary archived must be this undo's.
  rm -f "$(dirname "$ROLLBACK_JOURNAL")/rollback-summary.txt"
fi
set -- undo --journal "$ROLLBACK_JOURNAL"
''' + rollbackTarget.targetArgsScript() +
        '''if [ -n "$ROLLBACK_TIMEOUT" ]; then set -- "$@" --timeout "$ROLLBACK_TIMEOUT"; fi
if [ "$ROLLBACK_FORCE" = true ]; then set -- "$@" --force; fi
''' + rollbackCommon.helperExecScript()
}

// ---- pure helpers: no step calls, so @NonCPS is allowed ----

@NonCPS
String journalStash(String environment) {
    return 'rollback-undo-journal-' + environment
}
