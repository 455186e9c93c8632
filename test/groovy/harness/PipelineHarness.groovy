import hudson.AbortException
import org.codehaus.groovy.runtime.InvokerHelper

import java.util.concurrent.TimeUnit

/**
 * Runs the library's vars/*.groovy under plain Groovy 2.4 with recorded fake Jenkins steps.
 *
 * Files are real (a temporary workspace and its @tmp sibling), so writeFile, readFile, stash and
 * archiveArtifacts behave as on an agent. `sh` is either answered by per-check handlers (unit checks)
 * or really run with /bin/sh -xe in the workspace with the withEnv/withCredentials environment, as
 * Jenkins does (end-to-end). Every step call is recorded with its arguments converted deeply to
 * String (GString != String outside ==), plus for `sh` the raw script class, the environment the
 * shell got, the locks held and whether it ran inside node {}.
 */
class PipelineHarness {
    /** Every vars/*.groovy, as Jenkins loads them: each a global variable of the build. */
    static List<String> varNames(File libraryRoot) {
        new File(libraryRoot, 'vars').listFiles().findAll { it.name.endsWith('.groovy') }*.name.collect { it - '.groovy' }.sort()
    }

    final Binding binding = new Binding()
    final Map<String, Object> env = new EnvMap()
    final Map<String, Object> params = [:]
    final Map<String, Object> currentBuild = [description: null, result: null, number: 7, previousBuild: null]
    /**
     * id -> [type: 'usernamePassword', username:, password:] | [type: 'string', secret:]
     *     | [type: 'sshUserPrivateKey', username:, privateKey:] | [type: 'file', content:]
     */
    final Map<String, Map> credentials = [:]
    /** Values a user or a credential supplied; none may appear in a shell line. */
    final Set<String> userValues = new LinkedHashSet<String>()
    /** Passwords, tokens, keys: may appear only in the environment of `sh`. */
    final Set<String> secrets = new LinkedHashSet<String>()
    final List<Map> calls = []
    final StringBuilder log = new StringBuilder()
    final File root
    final File workspace
    final File tmpDir
    final File libraryRoot
    boolean unix = true
    /** true: workspace steps outside node {} fail as in Jenkins (rollbackPipeline allocates its own agents). */
    boolean requireNodeContext = false
    /** true: `sh` runs the script for real; false: the first matching handler answers. */
    boolean realShell = false
    /** [regex, closure(Map call) -> String stdout | Integer status | Map [stdout:, status:]] */
    final List<List> shHandlers = []
    Closure inputHandler = { Map args -> throw new IllegalStateException('this check did not expect an input') }
    /** Earlier builds of this job: number -> (archived path -> content), for copyArtifacts. */
    final Map<Integer, Map<String, String>> archivedBuilds = [:]
    /** What this build archived so far: path -> content at the time archiveArtifacts ran. */
    final Map<String, String> archivedNow = [:]

    private final List<Map<String, String>> overlays = []
    private final List<String> heldLocks = []
    private int nodeDepth = 0
    private final Map<String, File> stashes = [:]
    private final List<String> dirs = []

    PipelineHarness(File libraryRoot) {
        this.libraryRoot = libraryRoot
        root = File.createTempDir('rollback-harness-', '')
        workspace = new File(root, 'workspace')
        tmpDir = new File(root, 'workspace@tmp')
        workspace.mkdirs()
        tmpDir.mkdirs()
        env.WORKSPACE = workspace.path
        env.BUILD_NUMBER = '7'
        env.JOB_NAME = 'ops/rollback'
        binding.setVariable('env', env)
        binding.setVariable('params', params)
        binding.setVariable('currentBuild', currentBuild)
        installSteps()
        varNames(libraryRoot).each { loadVar(it) }
    }

    void cleanup() {
        root.deleteDir()
    }

    // ---- using it from a check ----

    Object call(String var, Map config = [:]) {
        (binding.getVariable(var) as Closure).call(config)
    }

    /** Answer `sh` scripts matching `pattern` (a regex searched in the script). */
    void onSh(String pattern, Closure answer) {
        shHandlers << [pattern, answer]
    }

    /**
     * Earlier builds of this job, newest first, as currentBuild.previousBuild sees them; `archived`
     * maps a build number to the files it archived.
     */
    void earlierBuilds(List<Integer> numbers, Map<Integer, Map<String, String>> archived = [:]) {
        Map newer = currentBuild
        numbers.each { Integer n ->
            Map build = [number: n, previousBuild: null]
            newer.previousBuild = build
            newer = build
        }
        archivedBuilds.putAll(archived)
    }

    /**
     * Ends this build and starts the next one of the job in the same workspace, as Jenkins would: its
     * artifacts become an earlier build's, currentBuild starts afresh, env.ROLLBACK_* are gone.
     */
    void nextBuild() {
        int number = currentBuild.number as int
        archivedBuilds[number] = new LinkedHashMap<String, String>(archivedNow)
        archivedNow.clear()
        Map previous = [number: number, previousBuild: currentBuild.previousBuild]
        currentBuild.clear()
        currentBuild.putAll([description: null, result: null, number: number + 1, previousBuild: previous])
        env.BUILD_NUMBER = (number + 1).toString()
        env.keySet().removeAll { it.startsWith('ROLLBACK_') }
    }

    /** Runs a script with /bin/sh -e in the workspace, as `sh` would (for checks of one script). */
    Map runShellForReal(String script, Map<String, String> shellEnv) {
        runShell(script, shellEnv)
    }

    void credential(String id, Map definition) {
        credentials[id] = definition
        userValues << id
        definition.each { k, v ->
            if (k != 'type') {
                userValues << v.toString()
            }
            if (k in ['password', 'secret', 'privateKey', 'content']) {
                secrets << v.toString()
            }
        }
    }

    List<Map> callsOf(String step) {
        calls.findAll { it.step == step }
    }

    List<String> stepNames() {
        calls.collect { it.step as String }
    }

    String render() {
        calls.collect { c ->
            if (c.step == 'sh') {
                Map options = (c.args[0] as Map).findAll { k, v -> k != 'script' }
                Map shown = c.env.findAll { k, v -> k.startsWith('ROLLBACK_') || k.endsWith('_USER') || k.endsWith('_ID') }
                return "sh ${options} (${c.scriptClass}) env=${shown}"
            }
            "${c.step} ${c.args}"
        }.join('\n') + (log ? "\n--- log ---\n${log}" : '')
    }

    // ---- the fake steps ----

    /** For fakes outside this class (DeclarativeFake). */
    void recordStep(String step, List args) {
        record(step, args)
    }

    private void record(String step, List args, Map extra = [:]) {
        calls << ([step: step, args: plain(args), inNode: nodeDepth > 0, locks: new ArrayList(heldLocks)] + extra)
    }

    private void step(String name, Closure impl) {
        binding.setVariable(name, impl)
    }

    private void installSteps() {
        step('echo') { Object message ->
            record('echo', [message])
            log << message << '\n'
        }
        step('error') { Object message ->
            record('error', [message])
            throw new AbortException(message.toString())
        }
        step('isUnix') { ->
            record('isUnix', [])
            unix
        }
        step('pwd') { Map args = [:] ->
            record('pwd', [args])
            requireNode('pwd')
            args.tmp ? tmpDir.path : currentDir().path
        }
        step('libraryResource') { Object arg ->
            Map args = arg instanceof Map ? arg : [resource: arg]
            record('libraryResource', [args])
            File f = new File(libraryRoot, 'resources/' + args.resource)
            if (!f.isFile()) {
                throw new AbortException("No such library resource ${args.resource} could be found.")
            }
            f.getText(args.encoding ?: 'UTF-8')
        }
        step('writeFile') { Map args ->
            String text = args.text.toString()
            record('writeFile', [args + [text: text.length() > 120 ? "<${text.length()} chars>" : text]])
            requireNode('writeFile')
            File f = resolve(args.file.toString())
            f.parentFile.mkdirs()
            f.setText(text, args.encoding ?: 'UTF-8')
        }
        step('readFile') { Object arg ->
            Map args = arg instanceof Map ? arg : [file: arg]
            record('readFile', [args])
            requireNode('readFile')
            File f = resolve(args.file.toString())
            if (!f.isFile()) {
                throw new FileNotFoundException(f.path)
            }
            f.getText(args.encoding ?: 'UTF-8')
        }
        step('fileExists') { Object arg ->
            String file = arg instanceof Map ? arg.file : arg
            record('fileExists', [file])
            requireNode('fileExists')
            resolve(file).exists()
        }
        step('stash') { Map args ->
            record('stash', [args])
            requireNode('stash')
            List<String> includes = args.includes.toString().split(',')*.trim()
            File dir = new File(root, "stash/${args.name}")
            dir.deleteDir()
            includes.each { rel ->
                File src = new File(workspace, rel)
                if (!src.isFile()) {
                    throw new AbortException("No files included in stash '${args.name}'")
                }
                File dst = new File(dir, rel)
                dst.parentFile.mkdirs()
                dst.bytes = src.bytes
            }
            stashes[args.name.toString()] = dir
        }
        step('unstash') { Object arg ->
            String name = arg instanceof Map ? arg.name : arg
            record('unstash', [name])
            requireNode('unstash')
            File dir = stashes[name]
            if (dir == null) {
                throw new AbortException("No such saved stash '${name}'")
            }
            dir.eachFileRecurse { File f ->
                if (f.isFile()) {
                    File dst = new File(workspace, f.path.substring(dir.path.length() + 1))
                    dst.parentFile.mkdirs()
                    dst.bytes = f.bytes
                }
            }
        }
        step('archiveArtifacts') { Map args ->
            List<String> patterns = args.artifacts.toString().split(',')*.trim()
            List<String> present = patterns.findAll { new File(workspace, it).isFile() }
            record('archiveArtifacts', [args], [archived: present])
            present.each { archivedNow[it] = new File(workspace, it).getText('UTF-8') }
            requireNode('archiveArtifacts')
            if (!present && !args.allowEmptyArchive) {
                throw new AbortException('No artifacts found that match the file pattern')
            }
        }
        step('withEnv') { List vars, Closure body ->
            record('withEnv', [vars])
            Map<String, String> overlay = [:]
            vars.each { String v ->
                int eq = v.indexOf('=')
                overlay[v.substring(0, eq)] = v.substring(eq + 1)
            }
            withOverlay(overlay, body)
        }
        step('withCredentials') { List bindings, Closure body ->
            record('withCredentials', [bindings])
            Map<String, String> overlay = [:]
            List<File> keyFiles = []
            bindings.each { Map b ->
                Map c = credentials[b.credentialsId]
                if (c == null) {
                    throw new AbortException("Could not find credentials entry with ID '${b.credentialsId}'")
                }
                if (c.type != b.$class) {
                    throw new AbortException("Credentials '${b.credentialsId}' is of type ${c.type}, not ${b.$class}")
                }
                switch (b.$class) {
                    case 'usernamePassword':
                        overlay[b.usernameVariable] = c.username
                        overlay[b.passwordVariable] = c.password
                        break
                    case 'string':
                        overlay[b.variable] = c.secret
                        break
                    case 'file':
                        File secretFile = new File(tmpDir, "secretFiles/${UUID.randomUUID()}/${b.credentialsId}")
                        secretFile.parentFile.mkdirs()
                        secretFile.text = c.content
                        keyFiles << secretFile.parentFile
                        overlay[b.variable] = secretFile.path
                        break
                    case 'sshUserPrivateKey':
                        File key = new File(tmpDir, "secretFiles/${UUID.randomUUID()}/key")
                        key.parentFile.mkdirs()
                        key.text = c.privateKey
                        keyFiles << key.parentFile
                        overlay[b.keyFileVariable] = key.path
                        if (b.usernameVariable) {
                            overlay[b.usernameVariable] = c.username
                        }
                        break
                    default:
                        throw new IllegalArgumentException("unsupported binding ${b.$class}")
                }
            }
            try {
                withOverlay(overlay, body)
            } finally {
                keyFiles*.deleteDir()
            }
        }
        ['usernamePassword', 'string', 'sshUserPrivateKey', 'file', 'choice', 'booleanParam'].each { String symbol ->
            step(symbol) { Map args -> [$class: symbol] + plain(args) }
        }
        step('disableConcurrentBuilds') { Map args = [:] -> [$class: 'disableConcurrentBuilds'] + plain(args) }
        step('copyArtifactPermission') { String projectNames -> [$class: 'copyArtifactPermission', projectNames: projectNames] }
        step('specific') { Object arg -> [$class: 'specific', buildNumber: (arg instanceof Map ? arg.buildNumber : arg).toString()] }
        step('copyArtifacts') { Map args ->
            record('copyArtifacts', [args])
            requireNode('copyArtifacts')
            copyArtifacts(plain(args) as Map)
        }
        step('dir') { String path, Closure body ->
            record('dir', [path])
            dirs << path
            try {
                body()
            } finally {
                dirs.remove(dirs.size() - 1)
            }
        }
        step('deleteDir') { ->
            record('deleteDir', [currentDir().path])
            requireNode('deleteDir')
            currentDir().deleteDir()
        }
        step('parameters') { List list -> [$class: 'parameters', list: list] }
        step('properties') { List list -> record('properties', [list]) }
        step('timeout') { Map args, Closure body ->
            record('timeout', [args])
            body()
        }
        step('input') { Map args ->
            record('input', [args])
            inputHandler(plain(args))
        }
        step('lock') { Object arg, Closure body ->
            String resource = (arg instanceof Map ? arg.resource : arg).toString()
            String variable = arg instanceof Map ? arg.variable : null
            record('lock', [arg])
            // lockable-resources is not re-entrant: a second lock of a held resource waits forever.
            if (resource in heldLocks) {
                throw new IllegalStateException("lock(${resource}) inside lock(${resource}): this build would wait for itself")
            }
            heldLocks << resource
            Object before = variable ? env.get(variable) : null
            if (variable) {
                env.put(variable, resource) // as Jenkins: the body sees the names of the locked resources
            }
            try {
                body()
            } finally {
                heldLocks.remove(heldLocks.size() - 1)
                if (variable) {
                    before == null ? env.remove(variable) : env.put(variable, before)
                }
            }
        }
        step('node') { Object... args ->
            Closure body = args[-1] as Closure
            record('node', args.length > 1 ? [args[0]] : [])
            nodeDepth++
            Object before = env.get('NODE_NAME')
            env.put('NODE_NAME', 'agent-' + nodeDepth) // as Jenkins sets it inside node {}
            try {
                body()
            } finally {
                nodeDepth--
                before == null ? env.remove('NODE_NAME') : env.put('NODE_NAME', before)
            }
        }
        step('sh') { Object arg ->
            Map args = arg instanceof Map ? new LinkedHashMap(arg) : [script: arg]
            Object rawScript = args.script
            Map<String, String> shellEnv = effectiveEnv()
            record('sh', [args], [scriptClass: rawScript?.getClass()?.name, script: rawScript?.toString(), env: shellEnv])
            requireNode('sh')
            Map result = realShell ? runShell(rawScript.toString(), shellEnv) : answerSh(calls[-1])
            if (!args.returnStdout) {
                log << result.stdout // as in Jenkins: stdout goes to the build log unless returned
            }
            int status = result.status as int
            if (status != 0 && !args.returnStatus) {
                throw new AbortException("script returned exit code ${status}")
            }
            if (args.returnStdout) {
                return result.stdout
            }
            args.returnStatus ? status : null
        }
    }

    private void requireNode(String step) {
        if (nodeDepth == 0 && requireNodeContext) {
            throw new IllegalStateException("Required context class hudson.FilePath is missing (${step} outside node {})")
        }
    }

    private Object withOverlay(Map<String, String> overlay, Closure body) {
        overlays << overlay
        try {
            return body()
        } finally {
            overlays.remove(overlays.size() - 1)
        }
    }

    private Map<String, String> effectiveEnv() {
        Map<String, String> out = [:]
        env.each { k, v -> if (v != null) out[k.toString()] = v.toString() }
        overlays.each { o -> o.each { k, v -> out[k.toString()] = v.toString() } }
        out
    }

    /** copyArtifacts of Copy Artifact: only `specific` selectors, an exact filter path, flatten. */
    private void copyArtifacts(Map args) {
        assert args.projectName == env.JOB_NAME : "copyArtifacts from ${args.projectName}, not this job"
        Map<String, String> files = archivedBuilds[args.selector.buildNumber as Integer]
        List<String> matching = files == null ? [] : files.keySet().findAll { it == args.filter } as List
        if (matching.isEmpty() && !args.optional) {
            throw new AbortException("Failed to copy artifacts from ${args.projectName} with filter: ${args.filter}")
        }
        matching.each { String path ->
            String name = args.flatten ? path.substring(path.lastIndexOf('/') + 1) : path
            File target = new File(resolve(args.target ?: '.'), name)
            target.parentFile.mkdirs()
            target.text = files[path]
        }
    }

    /** The workspace, or the folder of the innermost dir {} (relative to the workspace). */
    private File currentDir() {
        dirs ? new File(workspace, dirs[-1]) : workspace
    }

    private File resolve(String path) {
        File f = new File(path)
        if (f.isAbsolute()) {
            return f
        }
        return path == '.' ? currentDir() : new File(currentDir(), path)
    }

    private Map answerSh(Map call) {
        for (List h : shHandlers) {
            if (call.script =~ (h[0] as String)) {
                Object answer = (h[1] as Closure).call(call)
                if (answer instanceof Map) {
                    return [stdout: answer.stdout ?: '', status: answer.status ?: 0]
                }
                if (answer instanceof Integer) {
                    return [stdout: '', status: answer]
                }
                return [stdout: answer == null ? '' : answer.toString(), status: 0]
            }
        }
        throw new IllegalStateException("no handler for sh script:\n${call.script}")
    }

    /** As Jenkins does: `sh -xe` in the workspace, the step's environment, stdout kept when asked. */
    private Map runShell(String script, Map<String, String> shellEnv) {
        ProcessBuilder pb = new ProcessBuilder('/bin/sh', '-xe', '-c', script).directory(workspace)
        // Hermetic: only what an agent always has, plus the step's environment. Credentials can
        // only come from withCredentials; HOME (and so the helper's cache) is this build's own.
        Map<String, String> inherited = pb.environment().subMap(['PATH', 'LANG', 'TZ'])
        pb.environment().clear()
        pb.environment().putAll(inherited.findAll { k, v -> v != null })
        File home = new File(root, 'home')
        home.mkdirs()
        pb.environment().put('HOME', home.path)
        pb.environment().putAll(shellEnv)
        Process p = pb.start()
        p.outputStream.close()
        StringBuilder out = new StringBuilder()
        StringBuilder err = new StringBuilder()
        p.consumeProcessOutput(out, err)
        if (!p.waitFor(300, TimeUnit.SECONDS)) {
            p.destroyForcibly()
            throw new IllegalStateException('sh did not finish within 300 s')
        }
        p.waitFor()
        // Give the stream readers a moment to drain after exit.
        Thread.sleep(50)
        log << err
        if (calls && calls[-1].step == 'sh') {
            calls[-1].stderr = err.toString()
        }
        [stdout: out.toString(), status: p.exitValue()]
    }

    /**
     * Each var is compiled on its own from vars/, as Jenkins does: compiled together (one groovyc
     * unit), `rollbackSelectDate.x()` in another var would bind to the class, a static call, while
     * Jenkins resolves the lower-case name at run time to the global variable. Compiled once per JVM.
     */
    private static final Map<String, Class> COMPILED = [:]

    private void loadVar(String name) {
        Class clazz = COMPILED[name]
        if (clazz == null) {
            GroovyClassLoader loader = new GroovyClassLoader(PipelineHarness.classLoader)
            clazz = loader.parseClass(new File(libraryRoot, "vars/${name}.groovy"))
            COMPILED[name] = clazz
        }
        Script script = InvokerHelper.createScript(clazz, binding)
        script.run()
        binding.setVariable(name, new VarProxy(script))
    }

    /** Deep copy with every GString made a String and closures named, so checks compare plain values. */
    static Object plain(Object value) {
        if (value instanceof GString) {
            return value.toString()
        }
        if (value instanceof Map) {
            Map out = [:]
            value.each { k, v -> out[plain(k)] = plain(v) }
            return out
        }
        if (value instanceof List || value instanceof Object[]) {
            return value.collect { plain(it) }
        }
        if (value instanceof Closure) {
            return '<closure>'
        }
        value
    }
}
