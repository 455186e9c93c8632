/**
 * The steps as a Jenkinsfile runs them, with the real `sh` (/bin/sh -xe, the withEnv and
 * withCredentials environment) and the real bundled helper, against the registry and Marathon
 * emulator that test/integration/groovy-e2e.test.ts started: rollbackSelectDate (the input answers
 * with the second date offered), then rollbackRun. The Jest side checks the apps on the emulator.
 */
class EndToEndCheck {
    static String required(String name) {
        String value = System.getenv(name)
        if (!value) {
            throw new IllegalStateException("${name} is not set; run this check through test/integration/groovy-e2e.test.ts")
        }
        value
    }

    static void register(CheckSuite suite) {
        suite.check('e2e: rollbackSelectDate then rollbackRun with the real sh and helper') { PipelineHarness h ->
            String registry = required('ROLLBACK_E2E_REGISTRY')
            String marathon = required('ROLLBACK_E2E_MARATHON')
            List<String> repos = required('ROLLBACK_E2E_REPOS').split(',') as List
            h.realShell = true
            h.requireNodeContext = true
            h.credential('registry-ro', [type: 'usernamePassword', username: required('ROLLBACK_E2E_REGISTRY_USER'),
                                         password: required('ROLLBACK_E2E_REGISTRY_PASSWORD')])
            h.credential('marathon-deployer', [type: 'usernamePassword', username: required('ROLLBACK_E2E_MARATHON_USER'),
                                               password: required('ROLLBACK_E2E_MARATHON_PASSWORD')])
            h.userValues.addAll([registry, marathon] + repos)
            List<String> offered = null
            h.inputHandler = { Map args ->
                offered = args.parameters[0].choices
                [ROLLBACK_DATE: offered[1], ROLLBACK_APPROVER: 'e2e-approver']
            }

            String date = null
            String summary = null
            // As Jenkinsfile.example does it: one agent, the question inside it.
            h.binding.getVariable('node').call {
                date = h.call('rollbackSelectDate', [environment: 'dev', registry: registry, repos: repos,
                                                     registryCredentialsId: 'registry-ro', timeoutSeconds: 60])
                summary = h.call('rollbackRun', [marathon: marathon, credentialsId: 'marathon-deployer', timeoutSeconds: 60])
            }

            assert offered != null && offered.size() >= 2
            assert date == offered[1]
            assert h.env.ROLLBACK_APPROVER == 'e2e-approver'
            List<Map> shells = h.callsOf('sh')
            assert shells.size() == 2
            assert shells[1].env.ROLLBACK_APPROVER == 'e2e-approver'
            assert shells*.locks == [[], ['rollback-dev']]
            assert summary && h.currentBuild.description == summary
            List<String> archived = h.callsOf('archiveArtifacts')[0].archived
            assert archived.containsAll(['rollback/dev/rollback-plan.json', 'rollback/dev/rollback-journal.json'])
            [offered: offered, date: date, summary: summary, log: h.log.toString()]
        }
    }
}
