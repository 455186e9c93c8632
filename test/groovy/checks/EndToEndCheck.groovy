/**
 * The steps as a Jenkinsfile runs them, with the real `sh` (/bin/sh -xe, the withEnv and
 * withCredentials environment) and the real bundled helper, against the registry and Marathon
 * emulator that test/integration/groovy-e2e.test.ts started. As Jenkinsfile.example does it: no
 * agent held while asking, one lock from the question to the end; the date question answers with
 * the choice preselected, the confirmation with its plan. Then the next build of the job undoes
 * that rollback from its archived journal. The Jest side checks the apps on the emulator.
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
        suite.check('e2e: choose, confirm, roll back, then undo in the next build, with the real sh and helper') { PipelineHarness h ->
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
            List<String> shown = []
            h.inputHandler = { Map args ->
                if (args.parameters) {
                    offered = args.parameters[0].choices
                    return [ROLLBACK_DATE: offered[0], ROLLBACK_APPROVER: 'e2e-chooser']
                }
                shown << (args.message as String)
                return 'e2e-confirmer'
            }
            Map target = [marathon: marathon, credentialsId: 'marathon-deployer', label: 'linux']

            String date = null
            String summary = null
            (h.binding.getVariable('lock') as Closure).call([resource: 'rollback-dev', variable: 'ROLLBACK_LOCK']) {
                date = h.call('rollbackSelectDate', target + [environment: 'dev', registry: registry, repos: repos,
                                                              registryCredentialsId: 'registry-ro', timeoutSeconds: 60])
                summary = h.call('rollbackRun', target + [timeoutSeconds: 60])
            }
            assert offered != null && date == offered[0].substring(0, 10)
            assert shown.size() == 1
            assert h.env.ROLLBACK_APPROVER == 'e2e-confirmer'
            List<String> rollbackShells = h.callsOf('sh').collect { Fixtures.shCommand(it) }
            assert rollbackShells == ['get', 'status', 'run --dry-run', 'run', 'journal check']
            assert h.callsOf('sh')*.locks.every { it == ['rollback-dev'] }
            Map real = h.callsOf('sh')[3]
            assert real.env.ROLLBACK_APPROVER == 'e2e-confirmer'
            assert real.env.ROLLBACK_EXPECT_PLAN.endsWith('/rollback/dev/rollback-dry-run.json')
            assert summary && h.currentBuild.description == summary
            assert h.archivedNow.keySet().containsAll(['rollback/dev/rollback-dry-run.txt', 'rollback/dev/rollback-dry-run.json',
                                                       'rollback/dev/rollback-plan.json', 'rollback/dev/rollback-journal.json'])
            String rollbackDescription = h.currentBuild.description

            h.nextBuild()
            String undoSummary = h.call('rollbackUndo', target + [environment: 'dev', timeoutSeconds: 60])
            assert shown.size() == 2
            assert h.callsOf('copyArtifacts')[-1].args[0].selector.buildNumber == '7'
            assert h.callsOf('sh').collect { Fixtures.shCommand(it) }.drop(rollbackShells.size()) == ['undo --dry-run', 'undo']
            assert undoSummary && h.currentBuild.description == undoSummary
            assert h.archivedNow.keySet().containsAll(['rollback/dev/undo/undo-dry-run.txt', 'rollback/dev/undo/rollback-undo-journal.json'])
            [offered: offered, date: date, plan: shown[0], summary: rollbackDescription, undoPlan: shown[1],
             undoSummary: undoSummary, log: h.log.toString()]
        }
    }
}
