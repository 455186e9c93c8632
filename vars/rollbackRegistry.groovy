import com.cloudbees.groovy.cps.NonCPS

// rollbackRegistry: where the images and their dates come from (see rollbackRegistry.txt): the
// registry arguments, its credentials, and the helper's `get`, whose catalog a rollback on another
// agent gets through a stash. The counterpart of rollbackTarget. Rules: rollbackCommon.

/** Not a step: a typo'd Jenkinsfile that calls it learns which steps there are. */
def call(Map ignored = [:]) {
    error('rollbackRegistry holds the registry arguments the rollback steps share; call rollbackPipeline, ' +
        'rollbackSelectDate, rollbackRun or rollbackUndo')
}

List<String> registryKeys() {
    return ['registry', 'repos', 'registryCredentialsId', 'keep', 'tz', 'tagPattern']
}

/** Validates the registry arguments into s (registry, repos, keep, tz, tagPattern, registryCredentialsId). */
void registrySettings(String step, Map config, Map s) {
    String registry = rollbackCommon.textOf(config.registry)
    if (rollbackCommon.hasUserInfo(registry)) {
        error("${step}: registry: the URL carries a user name or password; pass them as registryCredentialsId instead")
    }
    if (!rollbackCommon.isHttpUrl(registry)) {
        error("${step}: registry: expected the registry's base URL, e.g. https://registry.example.com " +
            "(got '${registry}')")
    }
    List<String> repos = repoList(config.repos)
    if (repos.isEmpty()) {
        error("${step}: repos: expected the repositories of the services, e.g. ['shop/api', 'shop/web']")
    }
    String badRepo = firstBadRepo(repos)
    if (badRepo != null) {
        error("${step}: repos: '${badRepo}' is not a repository name (lower-case path like shop/api)")
    }
    if (config.keep != null && rollbackCommon.positiveInt(config.keep) == null) {
        error("${step}: keep: expected a whole number >= 1 (got '${config.keep}')")
    }
    s.registry = registry
    s.repos = repos
    s.keep = config.keep == null ? '' : rollbackCommon.positiveInt(config.keep).toString()
    s.tz = rollbackCommon.textOf(config.tz)
    s.tagPattern = rollbackCommon.textOf(config.tagPattern)
    s.registryCredentialsId = rollbackCommon.textOf(config.registryCredentialsId)
}

/** Credentials of the registry, bound as the variables the helper reads. */
List registryBindings(String credentialsId) {
    if (!credentialsId) {
        return []
    }
    return [usernamePassword(credentialsId: credentialsId, usernameVariable: 'REGISTRY_USER',
        passwordVariable: 'REGISTRY_PASSWORD')]
}

/**
 * Runs `get` (needs an agent) for the settings s (environment, suffix, the registry's, caFile,
 * insecure): returns the dates, newest first, and stashes the catalog so a rollback on another
 * agent uses exactly this one.
 */
List<String> readCatalog(String step, Map s) {
    String helper = rollbackCommon.writeHelper()
    List<String> vars = [
        'ROLLBACK_HELPER=' + helper,
        'ROLLBACK_DUMP=' + pwd() + '/' + rollbackCommon.dumpDir(s.environment),
        'ROLLBACK_REGISTRY=' + s.registry,
        'ROLLBACK_REPOS=' + s.repos.join(','),
        'ROLLBACK_TAG_SUFFIX=' + s.suffix,
        'ROLLBACK_KEEP=' + s.keep,
        'ROLLBACK_TZ=' + s.tz,
        'ROLLBACK_TAG_PATTERN=' + s.tagPattern,
        'ROLLBACK_CA_FILE=' + s.caFile,
        'ROLLBACK_INSECURE=' + s.insecure,
    ]
    String out = null
    withEnv(vars) {
        rollbackCommon.withOptionalCredentials(registryBindings(s.registryCredentialsId)) {
            out = sh(label: 'rollback: find the dates', returnStdout: true, encoding: 'UTF-8', script: datesScript())
        }
    }
    List<String> dates = rollbackCommon.nonEmptyLines(out)
    String odd = firstNonDate(dates)
    if (odd != null) {
        error("${step}: the helper printed '${odd}' where a date (YYYY-MM-DD) was expected; " +
            'is resources/rollback/rollback.cjs from this version of the library?')
    }
    if (dates.isEmpty()) {
        error("${step}: no date to roll back ${s.environment} to: no image of ${s.repos.join(', ')} " +
            "with a ${s.suffix} tag has a known creation date in ${s.registry}")
    }
    stash(name: rollbackCommon.catalogStash(s.environment),
        includes: rollbackCommon.dumpDir(s.environment) + '/rollback.json')
    env.ROLLBACK_ENVIRONMENT = s.environment
    env.ROLLBACK_CATALOG = 'stashed'
    env.ROLLBACK_REGISTRY_CREDENTIALS_ID = s.registryCredentialsId
    echo("${step}: ${dates.size()} dates to roll back ${s.environment} to, newest ${dates[0]}")
    return dates
}

String datesScript() {
    return rollbackCommon.nodeCheckScript() + '''mkdir -p "$ROLLBACK_DUMP"
set -- get --registry "$ROLLBACK_REGISTRY" --repo "$ROLLBACK_REPOS" --env "$ROLLBACK_TAG_SUFFIX" --dump "$ROLLBACK_DUMP"
if [ -n "$ROLLBACK_KEEP" ]; then set -- "$@" --keep "$ROLLBACK_KEEP"; fi
if [ -n "$ROLLBACK_TZ" ]; then set -- "$@" --tz "$ROLLBACK_TZ"; fi
if [ -n "$ROLLBACK_TAG_PATTERN" ]; then set -- "$@" --tag-pattern "$ROLLBACK_TAG_PATTERN"; fi
if [ -n "$ROLLBACK_CA_FILE" ]; then set -- "$@" --ca-file "$ROLLBACK_CA_FILE"; fi
if [ "$ROLLBACK_INSECURE" = true ]; then set -- "$@" --insecure; fi
set -x
exec node "$ROLLBACK_HELPER" "$@"
'''
}

// ---- pure helpers: no step calls, so @NonCPS is allowed ----

@NonCPS
String firstNonDate(List<String> values) {
    for (String v : values) {
        if (!rollbackCommon.isDate(v)) {
            return v
        }
    }
    return null
}

/** A list, or a comma-separated String, of repository names. */
@NonCPS
List<String> repoList(def repos) {
    List<String> out = []
    if (repos == null) {
        return out
    }
    List parts = repos instanceof Collection ? (repos as List) : repos.toString().split(',') as List
    for (def part : parts) {
        String name = part == null ? '' : part.toString().trim()
        if (name && !out.contains(name)) {
            out.add(name)
        }
    }
    return out
}

@NonCPS
String firstBadRepo(List<String> repos) {
    for (String repo : repos) {
        if (!(repo ==~ /[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*/)) {
            return repo
        }
    }
    return null
}
