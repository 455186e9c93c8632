import com.cloudbees.groovy.cps.NonCPS

// rollbackRun: redeploy every service of an environment with the image it had on the chosen day,
// through the bundled helper's `run` (see rollbackRun.txt). Same rules as rollbackSelectDate: values
// via withEnv, secrets via withCredentials, constant `sh` scripts, Groovy 2.4 + CPS only.

/** Returns the one-line summary of the rollback; fails the build when the helper fails. */
def call(Map config = [:]) {
    refuseUnknownKeys(config)
    Map s = runSettings(config)
    rollbackSelectDate.requireUnixAgent('rollbackRun')
    String summary = null
    // Two rollbacks of one environment must never overlap; lockable-resources creates the lock.
    lock(resource: 'rollback-' + s.environment) {
        provideCatalog(config, s)
        String helper = rollbackSelectDate.writeHelper()
        String dump = rollbackSelectDate.dumpDir(s.environment)
        List<String> vars = [
            'ROLLBACK_HELPER=' + helper,
            'ROLLBACK_DUMP=' + pwd() + '/' + dump,
            'ROLLBACK_DATE=' + s.date,
            'ROLLBACK_GROUP=' + s.group,
            'ROLLBACK_MARATHON=' + s.marathon,
            'ROLLBACK_DCOS=' + s.dcos,
            'ROLLBACK_TIMEOUT=' + s.timeoutSeconds,
            'ROLLBACK_ON_FAILURE=' + s.onFailure,
            'ROLLBACK_DRY_RUN=' + s.dryRun,
            'ROLLBACK_FORCE=' + s.force,
            'ROLLBACK_ALLOW_MISSING=' + s.allowMissing,
            'ROLLBACK_PIN_DIGEST=' + s.pinDigest,
            'ROLLBACK_CA_FILE=' + s.caFile,
            'ROLLBACK_INSECURE=' + s.insecure,
            'ROLLBACK_APPROVER=' + s.approver,
        ]
        int status = -1
        try {
            withEnv(vars) {
                rollbackSelectDate.withOptionalCredentials(credentialBindings(s)) {
                    status = sh(label: 'rollback: run', returnStatus: true, script: runScript())
                }
            }
        } finally {
            // Also after a failure or the Stop button: the journal is what `undo` needs.
            archiveArtifacts(artifacts: [dump + '/rollback-plan.json', dump + '/rollback-journal.json',
                dump + '/rollback-summary.txt'].join(','), allowEmptyArchive: true)
        }
        String summaryFile = dump + '/rollback-summary.txt'
        summary = fileExists(summaryFile) ? readFile(file: summaryFile, encoding: 'UTF-8').trim() : ''
        if (!summary) {
            summary = fallbackSummary(s, status)
        }
        currentBuild.description = summary
        if (status != 0) {
            error("rollbackRun: ${failureMeaning(status)}. ${summary}")
        }
        echo("rollbackRun: ${summary}")
    }
    return summary
}

List<String> runKeys() {
    return ['environment', 'environments', 'date', 'marathon', 'dcos', 'group', 'credentialsId',
            'serviceAccountCredentialsId', 'slackCredentialsId', 'registryCredentialsId', 'dryRun', 'timeoutSeconds',
            'onFailure', 'approver', 'allowMissing', 'force', 'pinDigest', 'caFile', 'insecure']
}

void refuseUnknownKeys(Map config) {
    // registry/repos (and the rest of rollbackSelectDate's) are accepted to read the catalog directly.
    List<String> known = runKeys() + rollbackSelectDate.selectKeys()
    rollbackSelectDate.refuseUnknownKeys('rollbackRun', config, known.unique())
}

/** Validates everything before the lock is taken or anything is written. */
Map runSettings(Map config) {
    Map s = rollbackSelectDate.environmentSettings('rollbackRun', config,
        env.ROLLBACK_ENVIRONMENT ?: params.environment)
    String date = rollbackSelectDate.textOf(config.date != null ? config.date : env.ROLLBACK_DATE)
    if (!date) {
        error('rollbackRun: no date: pass date: \'YYYY-MM-DD\', or call rollbackSelectDate first ' +
            '(it returns null, and sets no date, when nobody chose one)')
    }
    if (!rollbackSelectDate.isDate(date)) {
        error("rollbackRun: date: expected YYYY-MM-DD (got '${date}')")
    }
    String marathon = rollbackSelectDate.textOf(config.marathon)
    String dcos = rollbackSelectDate.textOf(config.dcos)
    if (!marathon == !dcos) {
        error('rollbackRun: pass exactly one of marathon: (plain Marathon URL) or dcos: (DC/OS cluster URL)')
    }
    String url = marathon ?: dcos
    if (rollbackSelectDate.hasUserInfo(url)) {
        error("rollbackRun: ${marathon ? 'marathon' : 'dcos'}: the URL carries a user name or password; pass them as credentialsId instead")
    }
    if (!rollbackSelectDate.isHttpUrl(url)) {
        error("rollbackRun: ${marathon ? 'marathon' : 'dcos'}: expected a URL like https://marathon.example.com (got '${url}')")
    }
    String group = rollbackSelectDate.textOf(config.group) ?: '/ds/' + s.environment
    if (!isGroup(group)) {
        error("rollbackRun: group: expected a Marathon group path like /ds/${s.environment} (got '${group}')")
    }
    String credentialsId = rollbackSelectDate.textOf(config.credentialsId)
    String serviceAccount = rollbackSelectDate.textOf(config.serviceAccountCredentialsId)
    if (credentialsId && serviceAccount) {
        error('rollbackRun: pass credentialsId: (user and password) or serviceAccountCredentialsId:, not both')
    }
    if (serviceAccount && !dcos) {
        error('rollbackRun: serviceAccountCredentialsId: needs dcos: (service accounts log in to DC/OS)')
    }
    Integer seconds = null
    if (config.timeoutSeconds != null) {
        seconds = rollbackSelectDate.positiveInt(config.timeoutSeconds)
        if (seconds == null) {
            error("rollbackRun: timeoutSeconds: expected a whole number of seconds >= 1 (got '${config.timeoutSeconds}')")
        }
    }
    String onFailure = rollbackSelectDate.textOf(config.onFailure)
    if (onFailure && !(onFailure in ['revert', 'keep'])) {
        error("rollbackRun: onFailure: expected 'revert' (put changed apps back) or 'keep' (got '${onFailure}')")
    }
    String registryCredentialsId = config.registryCredentialsId != null ?
        rollbackSelectDate.textOf(config.registryCredentialsId) :
        rollbackSelectDate.textOf(env.ROLLBACK_REGISTRY_CREDENTIALS_ID)
    return s + [
        date: date,
        marathon: marathon,
        dcos: dcos,
        group: group,
        credentialsId: credentialsId,
        serviceAccountCredentialsId: serviceAccount,
        slackCredentialsId: rollbackSelectDate.textOf(config.slackCredentialsId),
        registryCredentialsId: registryCredentialsId,
        timeoutSeconds: seconds == null ? '' : seconds.toString(),
        onFailure: onFailure,
        dryRun: flag(config.dryRun),
        force: flag(config.force),
        allowMissing: flag(config.allowMissing),
        pinDigest: flag(config.pinDigest),
        caFile: rollbackSelectDate.textOf(config.caFile),
        insecure: flag(config.insecure),
        approver: rollbackSelectDate.textOf(config.approver != null ? config.approver : env.ROLLBACK_APPROVER),
    ]
}

/**
 * Puts the catalog of rollbackSelectDate into this workspace (the rollback may run on another agent
 * than the question), or reads the registry now when registry: and repos: are given.
 */
void provideCatalog(Map config, Map s) {
    if (env.ROLLBACK_ENVIRONMENT == s.environment) {
        unstash(rollbackSelectDate.catalogStash(s.environment))
        return
    }
    if (config.registry != null || config.repos != null) {
        Map selectConfig = [:]
        for (String key : rollbackSelectDate.selectKeys()) {
            if (config.containsKey(key)) {
                selectConfig[key] = config[key]
            }
        }
        selectConfig.environment = s.environment
        rollbackSelectDate.discover(selectConfig)
        return
    }
    error("rollbackRun: no catalog of ${s.environment}: call rollbackSelectDate(environment: '${s.environment}', ...) " +
        'earlier in this build, or pass registry: and repos: so rollbackRun reads the registry itself')
}

List credentialBindings(Map s) {
    List bindings = rollbackSelectDate.registryBindings(s.registryCredentialsId)
    if (s.credentialsId) {
        String prefix = s.dcos ? 'DCOS' : 'MARATHON'
        bindings.add(usernamePassword(credentialsId: s.credentialsId, usernameVariable: prefix + '_USER',
            passwordVariable: prefix + '_PASSWORD'))
    }
    if (s.serviceAccountCredentialsId) {
        bindings.add(sshUserPrivateKey(credentialsId: s.serviceAccountCredentialsId,
            usernameVariable: 'DCOS_SERVICE_ACCOUNT_ID', keyFileVariable: 'DCOS_SERVICE_ACCOUNT_KEY_FILE'))
    }
    if (s.slackCredentialsId) {
        bindings.add(string(credentialsId: s.slackCredentialsId, variable: 'SLACK_WEBHOOK_URL'))
    }
    return bindings
}

String runScript() {
    return rollbackSelectDate.nodeCheckScript() + '''# The plan and summary archived must come from this run, not from an earlier build in this workspace.
# The journal stays: the helper renames an earlier one aside itself, and finishes a run of the same
# day that an aborted or killed build left unfinished from it.
rm -f "$ROLLBACK_DUMP/rollback-plan.json" "$ROLLBACK_DUMP/rollback-summary.txt"
set -- run --dump "$ROLLBACK_DUMP" --date "$ROLLBACK_DATE" --group "$ROLLBACK_GROUP"
if [ -n "$ROLLBACK_MARATHON" ]; then set -- "$@" --marathon "$ROLLBACK_MARATHON"; fi
if [ -n "$ROLLBACK_DCOS" ]; then set -- "$@" --dcos "$ROLLBACK_DCOS"; fi
if [ -n "$ROLLBACK_TIMEOUT" ]; then set -- "$@" --timeout "$ROLLBACK_TIMEOUT"; fi
if [ -n "$ROLLBACK_ON_FAILURE" ]; then set -- "$@" --on-failure "$ROLLBACK_ON_FAILURE"; fi
if [ "$ROLLBACK_DRY_RUN" = true ]; then set -- "$@" --dry-run; fi
if [ "$ROLLBACK_FORCE" = true ]; then set -- "$@" --force; fi
if [ "$ROLLBACK_ALLOW_MISSING" = true ]; then set -- "$@" --allow-missing; fi
if [ "$ROLLBACK_PIN_DIGEST" = true ]; then set -- "$@" --pin-digest; fi
if [ -n "$ROLLBACK_CA_FILE" ]; then set -- "$@" --ca-file "$ROLLBACK_CA_FILE"; fi
if [ "$ROLLBACK_INSECURE" = true ]; then set -- "$@" --insecure; fi
set -x
exec node "$ROLLBACK_HELPER" "$@"
'''
}

@NonCPS
String flag(def value) {
    return value == true || value?.toString() == 'true' ? 'true' : ''
}

@NonCPS
boolean isGroup(String value) {
    return value ==~ /(\/[a-z0-9][a-z0-9.-]*)+/
}

@NonCPS
String fallbackSummary(Map s, int status) {
    String who = s.approver ? " (approved by ${s.approver})" : ''
    if (status == 0) {
        return s.dryRun ? "${s.environment} to ${s.date}: dry run, nothing changed${who}" :
            "${s.environment} rolled back to ${s.date}${who}"
    }
    return "${s.environment} to ${s.date}: FAILED (exit ${status})${who}; see the log"
}

@NonCPS
String failureMeaning(int status) {
    switch (status) {
        case 1: return 'the rollback did not finish on target (the summary and the archived journal say which services are where)'
        case 2: return 'the helper refused its input; nothing was changed (its message is in the log above)'
        case 3: return 'the registry or Marathon could not be reached or refused the credentials; nothing was changed by the helper'
        case 127: return 'Node.js 20 or newer is missing on this agent'
        default: return "the helper stopped with exit code ${status}"
    }
}
