import com.cloudbees.groovy.cps.NonCPS

// rollbackCommon: what the rollback steps share (see rollbackCommon.txt): the environment map, the
// bundled helper, agents, the environment lock and pure helpers. rollbackRegistry holds where the
// images come from, rollbackTarget where the services run, rollbackConfirm how people are asked.
// Rules every var keeps (README "Installing the library"):
// - no value is ever interpolated by Groovy into a shell line: values go in with withEnv, secrets
//   with withCredentials, and every `sh` script is a constant that reads "$VAR";
// - Groovy 2.4 + CPS only: no JsonSlurper, no regex Matcher in a local, @NonCPS only on methods
//   that call no step.
// Other vars call these as rollbackCommon.x(...); inside this file they are called directly.

/** Not a step: a typo'd Jenkinsfile that calls it learns which steps there are. */
def call(Map ignored = [:]) {
    error('rollbackCommon holds what the rollback steps share; call rollbackPipeline, rollbackSelectDate, ' +
        'rollbackRun or rollbackUndo')
}

// ---- environments ----

Map defaultEnvironments() {
    return [dev: 'develop', stage: 'stage', prod: 'master']
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
        error("${step}: environments: expected a map of environment to tag suffix, " +
            "e.g. [dev: 'develop', prod: 'master']")
    }
    String badEntry = firstBadEnvironmentEntry(environments)
    if (badEntry != null) {
        error("${step}: environments: ${badEntry}")
    }
    return environments
}

def withOptionalCredentials(List bindings, Closure body) {
    if (bindings) {
        return withCredentials(bindings) {
            body()
        }
    }
    return body()
}

// ---- agents, the helper, the lock ----

/**
 * Runs body on an agent: in place inside node {} (or a declarative agent), else on an agent of its
 * own (label, or any), released right after, so no executor is held while people answer a question.
 */
def onAgent(String label, Closure body) {
    if (env.NODE_NAME) {
        return body()
    }
    if (label) {
        return node(label) {
            body()
        }
    }
    return node {
        body()
    }
}

/**
 * One rollback or undo of an environment at a time (lockable-resources creates the lock). Inside a
 * lock taken with variable: 'ROLLBACK_LOCK' (rollbackPipeline, Jenkinsfile.example) the body runs in
 * it: locking the same resource again would wait for the outer lock forever.
 */
def withEnvironmentLock(String environment, Closure body) {
    String resource = lockName(environment)
    if (holdsLock(env.ROLLBACK_LOCK, resource)) {
        return body()
    }
    return lock(resource: resource, variable: 'ROLLBACK_LOCK') {
        body()
    }
}

void requireUnixAgent(String step) {
    if (!isUnix()) {
        error("${step}: needs a Linux or macOS agent with Node.js 20 or newer (this agent is Windows)")
    }
}

/** Writes the bundled helper next to the workspace (never into the checkout); returns its path. */
String writeHelper() {
    String path = pwd(tmp: true) + '/rollback-helper.cjs'
    writeFile(file: path, text: libraryResource(resource: 'rollback/rollback.cjs', encoding: 'UTF-8'),
        encoding: 'UTF-8')
    return path
}

/** Stops with one sentence naming the first argument this step does not know. */
void refuseUnknownKeys(String step, Map config, List<String> known) {
    String unknown = firstUnknownKey(config, known)
    if (unknown != null) {
        error("${step}: unknown argument '${unknown}'; known: ${known.join(', ')}")
    }
}

// ---- shell snippets shared by the scripts of the steps (constants, joined by the *Script() methods) ----

/** Fails early, with a sentence, when node is missing or too old on the agent. */
String nodeCheckScript() {
    return '''set +x
if ! command -v node >/dev/null 2>&1; then
  echo 'rollback: node is not on the PATH of this agent; install Node.js 20 or newer (or use nodejs(...))' >&2
  exit 127
fi
if ! node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 20 ? 0 : 1)'; then
  echo "rollback: this agent has node $(node --version); the helper needs Node.js 20 or newer" >&2
  exit 127
fi
'''
}

/**
 * Runs the helper with "$@". A dry run (ROLLBACK_PLAN_TEXT set) keeps its stdout, the plan people
 * confirm, in that file for the question and the archive, shows it in the log, and keeps its exit code.
 */
String helperExecScript() {
    return '''if [ -n "$ROLLBACK_DRY_RUN" ]; then set -- "$@" --dry-run; fi
if [ -n "$ROLLBACK_SAVE_PLAN" ]; then set -- "$@" --save-plan "$ROLLBACK_SAVE_PLAN"; fi
if [ -n "$ROLLBACK_EXPECT_PLAN" ]; then set -- "$@" --expect-plan "$ROLLBACK_EXPECT_PLAN"; fi
set -x
if [ -n "$ROLLBACK_PLAN_TEXT" ]; then
  set +e
  node "$ROLLBACK_HELPER" "$@" > "$ROLLBACK_PLAN_TEXT"
  status=$?
  set -e
  cat "$ROLLBACK_PLAN_TEXT"
  exit "$status"
fi
exec node "$ROLLBACK_HELPER" "$@"
'''
}

// ---- pure helpers: no step calls, so @NonCPS is allowed ----

/** Where the catalog, plans, journal and summary of one environment live, relative to the workspace. */
@NonCPS
String dumpDir(String environment) {
    return 'rollback/' + environment
}

@NonCPS
String catalogStash(String environment) {
    return 'rollback-catalog-' + environment
}

@NonCPS
String lockName(String environment) {
    return 'rollback-' + environment
}

@NonCPS
boolean holdsLock(def held, String resource) {
    if (held == null) {
        return false
    }
    for (String name : held.toString().split(',')) {
        if (name.trim() == resource) {
            return true
        }
    }
    return false
}

/** What an exit code of the helper means, in words for the build log (src/errors.ts). */
@NonCPS
String failureMeaning(int status) {
    switch (status) {
        case 1: return 'it did not finish on target (the summary and the archived journal say which services are where)'
        case 2: return 'the helper refused its input; nothing was changed (its message is in the log above)'
        case 3: return 'the registry or the orchestrator could not be reached or refused the credentials; ' +
            'nothing was changed'
        case 4: return 'the environment changed since the plan was shown; nothing was changed'
        case 127: return 'Node.js 20 or newer is missing on this agent'
        default: return "the helper stopped with exit code ${status}"
    }
}

@NonCPS
String textOf(def value) {
    return value == null ? '' : value.toString().trim()
}

@NonCPS
String flag(def value) {
    return value == true || value?.toString() == 'true' ? 'true' : ''
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
    def value = valueOf(environments, environment)
    return value == null ? null : value.toString()
}

/** map[key] with the key compared as a String (a GString key would not match a String). */
@NonCPS
def valueOf(def map, String key) {
    if (!(map instanceof Map)) {
        return null
    }
    for (def entry : map.entrySet()) {
        if (entry.key != null && entry.key.toString() == key) {
            return entry.value
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
