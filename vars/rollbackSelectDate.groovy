import com.cloudbees.groovy.cps.NonCPS
import org.jenkinsci.plugins.workflow.steps.FlowInterruptedException
import org.jenkinsci.plugins.workflow.steps.TimeoutStepExecution
import org.jenkinsci.plugins.workflow.support.steps.input.Rejection

// rollbackSelectDate: find the days every service of an environment can be rolled back to, ask
// which one, return it (see rollbackSelectDate.txt). The bundled helper does the work; this step
// maps, asks and passes values. Rules kept throughout (see README "Installing the library"):
// - no value is ever interpolated by Groovy into a shell line: values go in with withEnv, secrets
//   with withCredentials, and every `sh` script is a constant that reads "$VAR";
// - Groovy 2.4 + CPS only: no JsonSlurper, no regex Matcher in a local, @NonCPS only on methods
//   that call no step.
// Other vars use discover(), ask() and the shared helpers below (rollbackSelectDate.x(...)).

/** Runs `get`, asks for a date; returns it, or null when the time ran out or someone clicked Abort. */
def call(Map config = [:]) {
    return ask(config, discover(config))
}

/**
 * Needs an agent: writes the helper, runs `get`, keeps the catalog for rollbackRun (stash), and
 * returns the offered dates, newest first, exactly as the helper printed them.
 */
List<String> discover(Map config = [:]) {
    Map s = selectSettings('rollbackSelectDate', config)
    requireUnixAgent('rollbackSelectDate')
    String helper = writeHelper()
    List<String> vars = [
        'ROLLBACK_HELPER=' + helper,
        'ROLLBACK_DUMP=' + pwd() + '/' + dumpDir(s.environment),
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
        withOptionalCredentials(registryBindings(s.registryCredentialsId)) {
            out = sh(label: 'rollback: find the dates', returnStdout: true, encoding: 'UTF-8', script: datesScript())
        }
    }
    List<String> dates = nonEmptyLines(out)
    String odd = firstNonDate(dates)
    if (odd != null) {
        error("rollbackSelectDate: the helper printed '${odd}' where a date (YYYY-MM-DD) was expected; " +
            'is resources/rollback/rollback.cjs from this version of the library?')
    }
    if (dates.isEmpty()) {
        error("rollbackSelectDate: no date to roll back ${s.environment} to: no image of ${s.repos.join(', ')} " +
            "with a ${s.suffix} tag has a known creation date in ${s.registry}")
    }
    stash(name: catalogStash(s.environment), includes: dumpDir(s.environment) + '/rollback.json')
    env.ROLLBACK_ENVIRONMENT = s.environment
    env.ROLLBACK_REGISTRY_CREDENTIALS_ID = s.registryCredentialsId
    echo("rollbackSelectDate: ${dates.size()} dates to roll back ${s.environment} to, newest ${dates[0]}")
    return dates
}

/**
 * Shows the date drop-down (needs no agent; rollbackPipeline asks outside node {} so no executor is
 * held while people think). Sets env.ROLLBACK_DATE and env.ROLLBACK_APPROVER.
 */
String ask(Map config, List dates) {
    Map s = selectSettings('rollbackSelectDate', config)
    if (!dates) {
        error("rollbackSelectDate: no date to offer for ${s.environment}; nothing to roll back to")
    }
    List<String> choices = asStrings(dates)
    String odd = firstNonDate(choices)
    if (odd != null) {
        error("rollbackSelectDate: '${odd}' is not a date (YYYY-MM-DD); refusing to offer it")
    }
    Map question = [
        id: 'Rollback',
        message: "Roll back ${s.environment} to which day? Each of the ${s.repos.size()} services gets " +
            "the newest ${s.suffix} image it had on or before that day (${s.tz ?: 'UTC'}).",
        ok: 'Roll back',
        submitterParameter: 'ROLLBACK_APPROVER',
        parameters: [choice(name: 'ROLLBACK_DATE', choices: choices,
            description: 'Days on which a service of this environment got a new image, newest first')],
    ]
    if (s.submitter) {
        question.submitter = s.submitter
    }
    def answer = null
    try {
        answer = timeout(time: s.timeoutSeconds, unit: 'SECONDS') {
            input(question)
        }
    } catch (FlowInterruptedException e) {
        String why = unansweredBecause(e, s.timeoutSeconds)
        if (why == null) {
            throw e // the build's Stop button or any other interruption: the build must stop
        }
        echo("rollbackSelectDate: ${why}; nothing is rolled back")
        return null
    }
    // One parameter plus submitterParameter makes input return a Map of the two.
    String date = answer instanceof Map ? answer.ROLLBACK_DATE : answer
    String approver = answer instanceof Map ? answer.ROLLBACK_APPROVER : null
    if (!isDate(date) || !choices.contains(date)) {
        error("rollbackSelectDate: the answer '${date}' is not one of the dates offered; nothing is rolled back")
    }
    env.ROLLBACK_DATE = date
    env.ROLLBACK_APPROVER = approver ?: ''
    echo("rollbackSelectDate: ${approver ?: 'the approver'} chose ${date} for ${s.environment}")
    return date
}

// ---- shared with rollbackRun and rollbackPipeline ----

/** Argument names of this step, for the unknown-argument check (a typo must not be ignored). */
List<String> selectKeys() {
    return ['environment', 'environments', 'registry', 'repos', 'registryCredentialsId', 'timeoutSeconds',
            'submitter', 'keep', 'tz', 'tagPattern', 'caFile', 'insecure']
}

Map defaultEnvironments() {
    return [dev: 'develop', stage: 'stage', prod: 'master']
}

/** Validates everything the select step uses; errors name the argument and what to pass instead. */
Map selectSettings(String step, Map config) {
    refuseUnknownKeys(step, config, selectKeys())
    Map s = environmentSettings(step, config, params.environment)
    String registry = textOf(config.registry)
    if (hasUserInfo(registry)) {
        error("${step}: registry: the URL carries a user name or password; pass them as registryCredentialsId instead")
    }
    if (!isHttpUrl(registry)) {
        error("${step}: registry: expected the registry's base URL, e.g. https://registry.example.com (got '${registry}')")
    }
    List<String> repos = repoList(config.repos)
    if (repos.isEmpty()) {
        error("${step}: repos: expected the repositories of the services, e.g. ['shop/api', 'shop/web']")
    }
    String badRepo = firstBadRepo(repos)
    if (badRepo != null) {
        error("${step}: repos: '${badRepo}' is not a repository name (lower-case path like shop/api)")
    }
    Integer seconds = config.timeoutSeconds == null ? 120 : positiveInt(config.timeoutSeconds)
    if (seconds == null) {
        error("${step}: timeoutSeconds: expected a whole number of seconds >= 1 (got '${config.timeoutSeconds}')")
    }
    if (config.keep != null && positiveInt(config.keep) == null) {
        error("${step}: keep: expected a whole number >= 1 (got '${config.keep}')")
    }
    s.registry = registry
    s.repos = repos
    s.timeoutSeconds = seconds
    s.keep = config.keep == null ? '' : positiveInt(config.keep).toString()
    s.tz = textOf(config.tz)
    s.tagPattern = textOf(config.tagPattern)
    s.caFile = textOf(config.caFile)
    s.insecure = config.insecure ? 'true' : ''
    s.submitter = textOf(config.submitter)
    s.registryCredentialsId = textOf(config.registryCredentialsId)
    return s
}

/** The environment (checked against the map) and its tag suffix: [environment:, suffix:]. */
Map environmentSettings(String step, Map config, def fallback) {
    Map environments = environmentMap(step, config)
    String environment = textOf(config.environment != null ? config.environment : fallback)
    if (!environment) {
        error("${step}: environment: expected one of ${environmentNames(environments).join(', ')} " +
            '(or a build parameter named environment)')
    }
    String suffix = suffixOf(environments, environment)
    if (suffix == null) {
        error("${step}: unknown environment '${environment}'; known: ${environmentNames(environments).join(', ')} " +
            "(pass environments: [name: 'tag-suffix'] to change the list)")
    }
    return [environment: environment, suffix: suffix]
}

/** The environments: argument (or the default map), checked: environment name -> tag suffix. */
Map environmentMap(String step, Map config) {
    def environments = config.environments == null ? defaultEnvironments() : config.environments
    if (!(environments instanceof Map) || environments.isEmpty()) {
        error("${step}: environments: expected a map of environment to tag suffix, e.g. [dev: 'develop', prod: 'master']")
    }
    String badEntry = firstBadEnvironmentEntry(environments)
    if (badEntry != null) {
        error("${step}: environments: ${badEntry}")
    }
    return environments
}

/** Credentials of the registry, bound as the variables the helper reads. */
List registryBindings(String credentialsId) {
    if (!credentialsId) {
        return []
    }
    return [usernamePassword(credentialsId: credentialsId, usernameVariable: 'REGISTRY_USER',
        passwordVariable: 'REGISTRY_PASSWORD')]
}

def withOptionalCredentials(List bindings, Closure body) {
    if (bindings) {
        return withCredentials(bindings) {
            body()
        }
    }
    return body()
}

void requireUnixAgent(String step) {
    if (!isUnix()) {
        error("${step}: needs a Linux or macOS agent with Node.js 20 or newer (this agent is Windows)")
    }
}

/** Writes the bundled helper next to the workspace (never into the checkout); returns its path. */
String writeHelper() {
    String path = pwd(tmp: true) + '/rollback-helper.cjs'
    writeFile(file: path, text: libraryResource(resource: 'rollback/rollback.cjs', encoding: 'UTF-8'), encoding: 'UTF-8')
    return path
}

/** Where the catalog, plan, journal and summary of one environment live, relative to the workspace. */
String dumpDir(String environment) {
    return 'rollback/' + environment
}

String catalogStash(String environment) {
    return 'rollback-catalog-' + environment
}

/** Fails early, with a sentence, when node is missing or too old on the agent. */
String nodeCheckScript() {
    return '''set +x
if ! command -v node >/dev/null 2>&1; then
  echo 'rollback: node is not on the PATH of this agent; install Node.js 20 or newer (or wrap the step in nodejs(...))' >&2
  exit 127
fi
if ! node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 20 ? 0 : 1)'; then
  echo "rollback: this agent has node $(node --version); the helper needs Node.js 20 or newer" >&2
  exit 127
fi
'''
}

String datesScript() {
    return nodeCheckScript() + '''mkdir -p "$ROLLBACK_DUMP"
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

/** Stops with one sentence naming the first argument this step does not know. */
void refuseUnknownKeys(String step, Map config, List<String> known) {
    String unknown = firstUnknownKey(config, known)
    if (unknown != null) {
        error("${step}: unknown argument '${unknown}'; known: ${known.join(', ')}")
    }
}

// ---- pure helpers: no step calls, so @NonCPS is allowed ----

@NonCPS
String textOf(def value) {
    return value == null ? '' : value.toString().trim()
}

@NonCPS
boolean isDate(def value) {
    return value != null && value.toString() ==~ /\d{4}-\d{2}-\d{2}/
}

@NonCPS
boolean isHttpUrl(String value) {
    return value ==~ /https?:\/\/[^\s\/?#@]+(\/[^\s?#]*)?/
}

/** user:password@ in a URL would reach logs and the shell trace; credentials come from Jenkins credentials. */
@NonCPS
boolean hasUserInfo(String value) {
    return value ==~ /[A-Za-z][A-Za-z0-9+.-]*:\/\/[^\/?#]*@.*/
}

@NonCPS
Integer positiveInt(def value) {
    String text = value == null ? '' : value.toString().trim()
    return text ==~ /[1-9]\d{0,8}/ ? text.toInteger() : null
}

@NonCPS
List<String> asStrings(List values) {
    List<String> out = []
    for (def v : values) {
        out.add(v == null ? '' : v.toString())
    }
    return out
}

/** The lines of the helper's stdout, trimmed, blank ones dropped, in the order printed. */
@NonCPS
List<String> nonEmptyLines(String text) {
    List<String> lines = []
    for (String line : (text ?: '').split('\n')) {
        String trimmed = line.trim()
        if (trimmed) {
            lines.add(trimmed)
        }
    }
    return lines
}

@NonCPS
String firstNonDate(List<String> values) {
    for (String v : values) {
        if (!isDate(v)) {
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

@NonCPS
String firstBadEnvironmentEntry(Map environments) {
    for (def entry : environments.entrySet()) {
        String name = entry.key == null ? '' : entry.key.toString()
        String suffix = entry.value == null ? '' : entry.value.toString()
        if (!(name ==~ /[A-Za-z0-9][A-Za-z0-9_.-]{0,63}/)) {
            return "'${name}' is not an environment name (letters, digits, _ . -)"
        }
        if (!(suffix ==~ /[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}/)) {
            return "the tag suffix '${suffix}' of ${name} is not a tag (letters, digits, _ . -)"
        }
    }
    return null
}

@NonCPS
List<String> environmentNames(Map environments) {
    List<String> names = []
    for (def key : environments.keySet()) {
        names.add(key.toString())
    }
    return names
}

@NonCPS
String suffixOf(Map environments, String environment) {
    for (def entry : environments.entrySet()) {
        if (entry.key != null && entry.key.toString() == environment) {
            return entry.value.toString()
        }
    }
    return null
}

@NonCPS
String firstUnknownKey(Map config, List<String> known) {
    for (def key : config.keySet()) {
        if (!known.contains(key == null ? null : key.toString())) {
            return key.toString()
        }
    }
    return null
}

/**
 * Why the question ended without an answer, or null when it was something else (the build's Stop
 * button above all), which must be rethrown. Reads e.causes and Rejection.user: a trusted library
 * may; an untrusted one needs both signatures approved (README).
 */
@NonCPS
String unansweredBecause(FlowInterruptedException e, int timeoutSeconds) {
    List causes = e.causes
    if (!causes) {
        return null
    }
    String why = null
    for (def cause : causes) {
        if (cause instanceof TimeoutStepExecution.ExceededTimeout) {
            why = "no date was chosen within ${timeoutSeconds} s"
        } else if (cause instanceof Rejection) {
            def user = cause.user
            // Input-step plugins before 495.x report a fired timeout as a rejection by SYSTEM.
            if (user == null || user.id == 'SYSTEM' || user.toString() == 'SYSTEM') {
                why = "no date was chosen within ${timeoutSeconds} s"
            } else {
                why = "${user.id} clicked Abort"
            }
        } else {
            return null
        }
    }
    return why
}
