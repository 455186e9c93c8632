/**
 * A named list of checks, each run against a fresh PipelineHarness. After every check the shell
 * invariant is asserted too: every `sh` script was a plain String with no user value or secret in
 * it, and no secret reached any recorded step argument, the build description or the log.
 */
class CheckSuite {
    final File libraryRoot
    final List<Map> checks = []

    CheckSuite(File libraryRoot) {
        this.libraryRoot = libraryRoot
    }

    void check(String name, Closure body) {
        if (checks.any { it.name == name }) {
            throw new IllegalArgumentException("duplicate check name: ${name}")
        }
        checks << [name: name, body: body]
    }

    List<Map> run(String only = null) {
        checks.findAll { only == null || it.name.contains(only) }.collect { Map c -> runOne(c) }
    }

    private Map runOne(Map c) {
        PipelineHarness h = new PipelineHarness(libraryRoot)
        long start = System.nanoTime()
        Map result = [name: c.name]
        try {
            Object data = c.body.call(h)
            assertShellSafety(h)
            result.passed = true
            if (data instanceof Map) {
                result.data = PipelineHarness.plain(data)
            }
        } catch (Throwable t) {
            result.passed = false
            result.message = t instanceof AssertionError ? t.message : stackOf(t)
            result.calls = h.render()
        } finally {
            result.ms = Math.round((System.nanoTime() - start) / 1e6d)
            h.cleanup()
        }
        result
    }

    /** Variables that hold a secret whether or not a check binds them. */
    static final List<String> SECRET_VARIABLES = ['REGISTRY_PASSWORD', 'MARATHON_PASSWORD', 'DCOS_PASSWORD',
        'DCOS_TOKEN', 'DCOS_SERVICE_ACCOUNT_KEY', 'DCOS_SERVICE_ACCOUNT_KEY_FILE', 'SLACK_WEBHOOK_URL', 'KUBECONFIG']

    static void assertShellSafety(PipelineHarness h) {
        // A constant script can still expand a secret into a command line ("$REGISTRY_PASSWORD"),
        // where ps and `sh -x` show it: secrets reach the helper only through its environment.
        Set<String> secretVariables = new LinkedHashSet<String>(SECRET_VARIABLES)
        h.callsOf('withCredentials').each { Map call ->
            (call.args[0] as List).each { Map b ->
                [b.passwordVariable, b.variable, b.keyFileVariable].findAll { it }.each { secretVariables << it.toString() }
            }
        }
        h.callsOf('sh').each { Map sh ->
            assert sh.scriptClass == 'java.lang.String' : "sh got a ${sh.scriptClass}: Groovy interpolated into a shell line"
            h.userValues.findAll { it.trim().length() >= 3 }.each { String v ->
                assert !sh.script.contains(v) : "the value '${v}' was written into a shell line"
            }
            secretVariables.each { String name ->
                assert !java.util.regex.Pattern.compile('\\$\\{?' + name + '\\b').matcher(sh.script ?: '').find() :
                    "the sh script expands the secret \$${name} into a command line (ps and sh -x show it)"
            }
        }
        h.secrets.findAll { it.trim().length() >= 3 }.each { String secret ->
            h.calls.each { Map call ->
                assert !call.args.toString().contains(secret) : "a secret reached the arguments of ${call.step}"
                assert !(call.stderr ?: '').contains(secret) : "a secret reached the shell's stderr (build log)"
            }
            assert !(h.currentBuild.description ?: '').toString().contains(secret) : 'a secret reached the build description'
            assert !h.log.toString().contains(secret) : 'a secret reached the build log'
        }
    }

    private static String stackOf(Throwable t) {
        StringWriter w = new StringWriter()
        t.printStackTrace(new PrintWriter(w))
        // The harness frames are noise; keep the message and the vars/check frames.
        w.toString().readLines().findAll { !it.contains('at sun.') && !it.contains('at java.') && !it.contains('at org.codehaus.groovy.') && !it.contains('at groovy.lang.') && !it.contains('at jdk.internal.') }.take(25).join('\n')
    }
}
