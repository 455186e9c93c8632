import org.codehaus.groovy.control.CompilerConfiguration
import org.codehaus.groovy.control.customizers.ImportCustomizer

/**
 * Just enough of Declarative Pipeline to run a Jenkinsfile like Jenkinsfile.example on the harness:
 * `pipeline` collects agent, options, parameters and stages, then runs each stage in order on the
 * agent, skipping a stage whose `when { expression { ... } }` is false. Sections and steps are
 * recorded like any other step; `script { }` just runs its body.
 */
class DeclarativeFake {
    final PipelineHarness h
    private final List<Map> stages = []
    private Map collecting = null
    private Object whenResult = null
    private boolean onAgent = false

    DeclarativeFake(PipelineHarness h) {
        this.h = h
    }

    /** Runs the Jenkinsfile as Jenkins would compile it: with @Library imported. */
    void run(File jenkinsfile) {
        install()
        CompilerConfiguration config = new CompilerConfiguration()
        config.addCompilationCustomizers(new ImportCustomizer().addImports('org.jenkinsci.plugins.workflow.libs.Library'))
        GroovyShell shell = new GroovyShell(PipelineHarness.classLoader, h.binding, config)
        shell.parse(jenkinsfile).run()
    }

    private void section(String name, Closure impl) {
        h.binding.setVariable(name, impl)
    }

    private void install() {
        section('pipeline') { Closure body ->
            h.recordStep('pipeline', [])
            body()
            runStages()
        }
        h.binding.setVariable('none', 'none')
        section('agent') { Object spec ->
            h.recordStep('agent', [spec instanceof Closure ? '<closure>' : spec])
            onAgent = spec != 'none'
            if (spec instanceof Closure) {
                spec()
            }
        }
        section('label') { String label -> h.recordStep('label', [label]) }
        section('options') { Closure body -> body() }
        section('buildDiscarder') { Object strategy -> h.recordStep('buildDiscarder', [strategy]) }
        Closure disableConcurrentBuilds = h.binding.getVariable('disableConcurrentBuilds') as Closure
        Closure copyArtifactPermission = h.binding.getVariable('copyArtifactPermission') as Closure
        section('disableConcurrentBuilds') { -> h.recordStep('disableConcurrentBuilds', []); disableConcurrentBuilds() }
        section('copyArtifactPermission') { Object names ->
            h.recordStep('copyArtifactPermission', [names.toString()])
            copyArtifactPermission(names.toString())
        }
        section('logRotator') { Map args -> [$class: 'logRotator'] + args }
        section('parameters') { Object arg ->
            if (arg instanceof Closure) {
                h.recordStep('parameters', [])
                arg()
                return null
            }
            [$class: 'parameters', list: arg]
        }
        Closure choice = h.binding.getVariable('choice') as Closure
        Closure booleanParam = h.binding.getVariable('booleanParam') as Closure
        Closure string = h.binding.getVariable('string') as Closure
        // Inside `parameters { }` a parameter is declared; elsewhere (input) it is a value.
        section('choice') { Map args -> h.recordStep('choice', [args]); choice(args) }
        section('booleanParam') { Map args -> h.recordStep('booleanParam', [args]); booleanParam(args) }
        section('string') { Map args ->
            if (args.credentialsId == null) {
                h.recordStep('string', [args]) // a parameter; with credentialsId it is a credential binding
            }
            string(args)
        }
        section('stages') { Closure body -> body() }
        section('stage') { String name, Closure body ->
            collecting = [name: name]
            body()
            stages << collecting
            collecting = null
        }
        section('when') { Closure body -> collecting.when = body }
        section('steps') { Closure body -> collecting.steps = body }
        section('expression') { Closure body -> whenResult = body() }
        section('script') { Closure body -> body() }
    }

    private void runStages() {
        stages.each { Map stage ->
            if (stage.when != null) {
                whenResult = null
                (stage.when as Closure).call()
                if (!whenResult) {
                    h.recordStep('stage', [stage.name, 'skipped'])
                    return
                }
            }
            h.recordStep('stage', [stage.name])
            if (onAgent) {
                (h.binding.getVariable('node') as Closure).call(stage.steps as Closure)
            } else {
                (stage.steps as Closure).call()
            }
        }
    }
}
