import groovy.json.JsonOutput

// Runs the Groovy checks of the Jenkins library and reports each one by name.
//   groovyc -d OUT -encoding UTF-8 $(find test/groovy/stubs test/groovy/harness test/groovy/checks vars -name '*.groovy')
//   groovy -cp OUT test/groovy/run-checks.groovy unit [--json FILE] [--only TEXT]
// `unit` runs the fake-step checks; `e2e` runs the end-to-end check (real sh, real helper), which
// needs ROLLBACK_E2E_* variables from test/integration/groovy-e2e.test.ts.
// Prints `ok`/`FAIL` per check and `N passed, N failed`; exits 1 on any failure.

String mode = args ? args[0] : 'unit'
String jsonFile = null
String only = null
for (int i = 1; i < args.length; i++) {
    if (args[i] == '--json') {
        jsonFile = args[++i]
    } else if (args[i] == '--only') {
        only = args[++i]
    } else {
        System.err.println("run-checks: unknown argument ${args[i]}")
        System.exit(2)
    }
}

File libraryRoot = new File('.').canonicalFile
if (!new File(libraryRoot, 'vars/rollbackSelectDate.groovy').isFile()) {
    System.err.println("run-checks: run it from the repository root (no vars/ in ${libraryRoot})")
    System.exit(2)
}

CheckSuite suite = new CheckSuite(libraryRoot)
if (mode == 'unit') {
    SelectDateChecks.register(suite)
    RollbackRunChecks.register(suite)
    ConfirmChecks.register(suite)
    UndoChecks.register(suite)
    TargetChecks.register(suite)
    PipelineChecks.register(suite)
    ExampleChecks.register(suite)
    VarSourceChecks.register(suite)
} else if (mode == 'e2e') {
    EndToEndCheck.register(suite)
} else {
    System.err.println("run-checks: mode must be unit or e2e, not ${mode}")
    System.exit(2)
}

List<Map> results = suite.run(only)
results.each { Map r ->
    println "${r.passed ? 'ok  ' : 'FAIL'} ${r.name} (${r.ms} ms)"
    if (!r.passed) {
        println r.message.readLines().collect { '     ' + it }.join('\n')
        println '     recorded calls:'
        println r.calls.readLines().collect { '       ' + it }.join('\n')
    }
}
int failed = results.count { !it.passed }
println "${results.size() - failed} passed, ${failed} failed"
if (jsonFile) {
    new File(jsonFile).setText(JsonOutput.toJson([groovyVersion: GroovySystem.version, checks: results]), 'UTF-8')
}
System.exit(failed || results.isEmpty() ? 1 : 0)
