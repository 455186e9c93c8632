import org.codehaus.groovy.ast.ASTNode
import org.codehaus.groovy.ast.ClassNode
import org.codehaus.groovy.ast.CodeVisitorSupport
import org.codehaus.groovy.ast.MethodNode
import org.codehaus.groovy.ast.ModuleNode
import org.codehaus.groovy.ast.expr.BinaryExpression
import org.codehaus.groovy.ast.expr.ConstructorCallExpression
import org.codehaus.groovy.ast.expr.GStringExpression
import org.codehaus.groovy.ast.expr.MapEntryExpression
import org.codehaus.groovy.ast.expr.MethodCallExpression
import org.codehaus.groovy.ast.expr.PropertyExpression
import org.codehaus.groovy.ast.expr.VariableExpression
import org.codehaus.groovy.control.CompilationUnit
import org.codehaus.groovy.control.Phases
import org.codehaus.groovy.control.SourceUnit

/**
 * Rules of Jenkins Pipeline that plain Groovy cannot show at run time, checked on the syntax tree
 * of every vars/*.groovy: shell scripts are constants (no GString, no variable, reached only
 * through *Script() methods), @NonCPS methods call no step and no CPS method, and nothing that
 * breaks CPS serialization or the agent/controller split is used.
 */
class VarSourceChecks {
    static final Set<String> STEPS = ['archiveArtifacts', 'bat', 'booleanParam', 'catchError', 'choice',
        'copyArtifactPermission', 'copyArtifacts', 'deleteDir', 'dir', 'disableConcurrentBuilds', 'echo', 'error',
        'file', 'fileExists', 'input', 'isUnix', 'libraryResource', 'lock', 'milestone', 'node', 'parameters',
        'properties', 'pwd', 'readFile', 'readJSON', 'retry', 'sh', 'sleep', 'specific', 'sshUserPrivateKey', 'stash',
        'string', 'timeout', 'unstash', 'usernamePassword', 'withCredentials', 'withEnv', 'writeFile'] as Set
    /** The library's vars, as the global variables a var may call (rollbackCommon.x()). */
    static final List<String> EXPECTED_VARS = ['rollbackCommon', 'rollbackConfirm', 'rollbackPipeline', 'rollbackRegistry',
        'rollbackRun', 'rollbackSelectDate', 'rollbackTarget', 'rollbackUndo']
    static final Set<String> VARS = EXPECTED_VARS as Set

    static void register(CheckSuite suite) {
        suite.check('shell rule: a secret variable expanded on a sh command line is caught (self-test)') { PipelineHarness h ->
            ['node x --password "$REGISTRY_PASSWORD"', 'curl -d "${SLACK_WEBHOOK_URL}" x', 'echo $MY_BOUND_SECRET'].each { String script ->
                PipelineHarness bad = new PipelineHarness(h.libraryRoot)
                try {
                    bad.calls << [step: 'withCredentials', args: [[[$class: 'string', credentialsId: 'c', variable: 'MY_BOUND_SECRET']]]]
                    bad.calls << [step: 'sh', args: [[script: script]], scriptClass: 'java.lang.String', script: script]
                    String message = null
                    try {
                        CheckSuite.assertShellSafety(bad)
                    } catch (AssertionError e) {
                        message = e.message
                    }
                    assert message?.contains('into a command line') : "not caught: ${script}"
                } finally {
                    bad.cleanup()
                }
            }
        }

        suite.check('static: the source rules catch a violation (self-test)') { PipelineHarness h ->
            String bad = '''import com.cloudbees.groovy.cps.NonCPS
def call(Map c) { sh "node x --date ${c.date}"; sh(script: 'echo ' + c.date); sh(script: badScript(c.date)) }
String badScript(String d) { return "echo $d" }
@NonCPS
String parse(String s) { echo(s); def m = s =~ /x/; new groovy.json.JsonSlurper(); return helperCps() }
String helperCps() { return 'x' }
'''
            List<String> found = violations('bad', bad, [bad: cpsMethods(parse('bad', bad))])
            assert found.any { it.contains('sh argument is a GString') }
            assert found.any { it.contains("sh script must come from a constant or a *Script() method") }
            assert found.any { it.contains('badScript() builds a shell script from a value') }
            assert found.any { it.contains('@NonCPS parse() calls the step echo') }
            assert found.any { it.contains('@NonCPS parse() calls the CPS method helperCps') }
            assert found.any { it.contains('=~ makes a Matcher') }
            assert found.any { it.contains('JsonSlurper') }
        }

        suite.check('help: every var has its vars/*.txt, and each step\'s help names every argument it accepts') { PipelineHarness h ->
            File dir = new File(h.libraryRoot, 'vars')
            EXPECTED_VARS.each { String name ->
                assert new File(dir, name + '.txt').isFile() : "vars/${name}.groovy has no vars/${name}.txt help page"
            }
            Closure keysOf = { String var, String method -> (h.binding.getVariable(var) as VarProxy).@script.invokeMethod(method, null) as List<String> }
            List<String> target = keysOf('rollbackTarget', 'targetKeys')
            Map<String, List<String>> arguments = [
                rollbackTarget: target,
                rollbackSelectDate: keysOf('rollbackSelectDate', 'selectKeys') - target + ['caFile', 'insecure'],
                rollbackRun: keysOf('rollbackRun', 'runKeys') - target,
                rollbackUndo: keysOf('rollbackUndo', 'undoKeys') - target,
                rollbackPipeline: ['timeoutSeconds', 'deployTimeoutSeconds', 'label', 'environment', 'action', 'build', 'dryRun'],
            ]
            List<String> missing = []
            arguments.each { String var, List<String> keys ->
                String help = new File(dir, var + '.txt').getText('UTF-8')
                keys.unique().each { String key ->
                    if (!help.contains('<code>' + key + '</code>') && !help.contains('<code>' + key + ':')) {
                        missing << "${var}.txt: ${key}".toString()
                    }
                }
            }
            assert missing == []
        }

        suite.check('static: every vars/*.groovy keeps the Pipeline rules (constant sh scripts, @NonCPS without steps, no JsonSlurper/Matcher/File)') { PipelineHarness h ->
            File dir = new File(h.libraryRoot, 'vars')
            List<File> files = dir.listFiles().findAll { it.name.endsWith('.groovy') }.sort { it.name }
            assert files*.name == EXPECTED_VARS.collect { it + '.groovy' }
            Map<String, Set<String>> cps = [:]
            Map<String, String> sources = [:]
            files.each { File f ->
                String name = f.name - '.groovy'
                sources[name] = f.getText('UTF-8')
                cps[name] = cpsMethods(parse(name, sources[name]))
            }
            List<String> found = sources.collectMany { name, source -> violations(name, source, cps) }
            assert found == []
        }
    }

    static ModuleNode parse(String name, String source) {
        CompilationUnit unit = new CompilationUnit()
        SourceUnit su = unit.addSource(name + '.groovy', source)
        unit.compile(Phases.CONVERSION)
        su.AST
    }

    static boolean isNonCps(MethodNode m) {
        m.annotations.any { it.classNode.nameWithoutPackage == 'NonCPS' }
    }

    static Set<String> cpsMethods(ModuleNode module) {
        scriptClass(module).methods.findAll { !isNonCps(it) && it.name != 'run' && it.name != 'main' }*.name as Set
    }

    static ClassNode scriptClass(ModuleNode module) {
        module.classes.find { it.script } ?: module.classes[0]
    }

    static List<String> violations(String name, String source, Map<String, Set<String>> cpsByVar) {
        List<String> out = []
        ModuleNode module = parse(name, source)
        scriptClass(module).methods.each { MethodNode m ->
            boolean nonCps = isNonCps(m)
            boolean scriptMethod = m.name.endsWith('Script')
            m.code?.visit(new CodeVisitorSupport() {
                void visitMethodCallExpression(MethodCallExpression call) {
                    String called = call.methodAsString
                    String where = "${name}.${m.name}() line ${call.lineNumber}"
                    if (call.implicitThis && called == 'sh') {
                        checkShArguments(call, where, out)
                    }
                    if (nonCps) {
                        if (call.implicitThis && called in STEPS) {
                            out << "@NonCPS ${m.name}() calls the step ${called} (${where})"
                        } else if (call.implicitThis && called in cpsByVar[name]) {
                            out << "@NonCPS ${m.name}() calls the CPS method ${called} (${where})"
                        } else if (call.objectExpression instanceof VariableExpression &&
                                   (call.objectExpression as VariableExpression).name in VARS &&
                                   called in cpsByVar[(call.objectExpression as VariableExpression).name]) {
                            out << "@NonCPS ${m.name}() calls the CPS method ${called} (${where})"
                        }
                    }
                    if (called == 'execute' || called == 'getInstance') {
                        out << "${called}() runs on the controller, not the agent (${where})"
                    }
                    super.visitMethodCallExpression(call)
                }

                void visitGStringExpression(GStringExpression e) {
                    if (scriptMethod) {
                        out << "${m.name}() builds a shell script from a value (GString, ${name} line ${e.lineNumber})"
                    }
                    super.visitGStringExpression(e)
                }

                void visitVariableExpression(VariableExpression e) {
                    if (scriptMethod && e.name != 'this' && !(e.name in VARS)) {
                        out << "${m.name}() builds a shell script from a value (${e.name}, ${name} line ${e.lineNumber})"
                    }
                    super.visitVariableExpression(e)
                }

                void visitBinaryExpression(BinaryExpression e) {
                    if (e.operation.text == '=~') {
                        out << "=~ makes a Matcher, which is not serializable; use ==~ (${name} line ${e.lineNumber})"
                    }
                    super.visitBinaryExpression(e)
                }

                void visitConstructorCallExpression(ConstructorCallExpression e) {
                    String type = e.type.nameWithoutPackage
                    if (type in ['JsonSlurper', 'File']) {
                        out << "new ${type}(...) breaks Pipeline (LazyMap is not serializable; File reads the controller) (${name} line ${e.lineNumber})"
                    }
                    super.visitConstructorCallExpression(e)
                }

                void visitPropertyExpression(PropertyExpression e) {
                    if (e.text.contains('Jenkins.instance')) {
                        out << "Jenkins.instance is not for libraries (${name} line ${e.lineNumber})"
                    }
                    super.visitPropertyExpression(e)
                }
            })
        }
        out
    }

    /** sh(...) gets no GString anywhere, and its script is a *Script() call or a literal. */
    static void checkShArguments(MethodCallExpression call, String where, List<String> out) {
        boolean gstring = false
        call.arguments.visit(new CodeVisitorSupport() {
            void visitGStringExpression(GStringExpression e) {
                gstring = true
            }
        })
        if (gstring) {
            out << "sh argument is a GString: Groovy would interpolate a value into the shell line (${where})"
        }
        List<ASTNode> scripts = []
        call.arguments.visit(new CodeVisitorSupport() {
            void visitMapEntryExpression(MapEntryExpression e) {
                if (e.keyExpression.text == 'script') {
                    scripts << e.valueExpression
                }
            }
        })
        scripts.each { ASTNode script ->
            boolean constant = script.getClass().simpleName == 'ConstantExpression'
            boolean scriptCall = script instanceof MethodCallExpression &&
                (script as MethodCallExpression).methodAsString.endsWith('Script') &&
                (script as MethodCallExpression).arguments.text == '()'
            if (!constant && !scriptCall) {
                out << "sh script must come from a constant or a *Script() method without arguments (${where})"
            }
        }
    }
}
