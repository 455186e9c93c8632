import static Fixtures.*

import org.jenkinsci.plugins.workflow.steps.FlowInterruptedException

/** rollbackSelectDate: mapping, the question, its answers and non-answers, what reaches the shell. */
class SelectDateChecks {
    static void register(CheckSuite suite) {
        [dev: 'develop', stage: 'stage', prod: 'master'].each { String environment, String suffix ->
            suite.check("select: environment ${environment} maps to tag suffix ${suffix}") { PipelineHarness h ->
                helperPrintsDates(h)
                answer(h, 0)
                h.call('rollbackSelectDate', select(environment: environment))
                assert shEnv(h).ROLLBACK_TAG_SUFFIX == suffix
                assert h.env.ROLLBACK_ENVIRONMENT == environment
            }
        }

        suite.check('select: environment defaults to the build parameter environment') { PipelineHarness h ->
            h.params.environment = 'stage'
            helperPrintsDates(h)
            answer(h, 0)
            Map config = select()
            config.remove('environment')
            h.call('rollbackSelectDate', config)
            assert shEnv(h).ROLLBACK_TAG_SUFFIX == 'stage'
        }

        suite.check('select: environments: replaces the whole map') { PipelineHarness h ->
            helperPrintsDates(h)
            answer(h, 0)
            Map environments = [qa: 'release-candidate', live: 'main']
            h.call('rollbackSelectDate', select(environment: 'qa', environments: environments))
            assert shEnv(h).ROLLBACK_TAG_SUFFIX == 'release-candidate'
            String message = failure { h.call('rollbackSelectDate', select(environment: 'prod', environments: environments)) }
            assert message.contains("unknown environment 'prod'") && message.contains('qa, live')
        }

        suite.check('select: unknown environment is refused before anything runs') { PipelineHarness h ->
            String message = failure { h.call('rollbackSelectDate', select(environment: 'production')) }
            assert message == "rollbackSelectDate: unknown environment 'production'; known: dev, stage, prod " +
                "(pass environments: [name: 'tag-suffix'] to change the list)"
            assert !h.stepNames().any { it in ['sh', 'writeFile', 'input'] }
        }

        suite.check('select: an environment map with a shell-hostile entry is refused') { PipelineHarness h ->
            String message = failure {
                h.call('rollbackSelectDate', select(environment: 'prod', environments: [prod: 'master; rm -rf /']))
            }
            assert message.contains("the tag suffix 'master; rm -rf /' of prod is not a tag")
            assert h.callsOf('sh').isEmpty()
        }

        suite.check('select: waits 120 s for an answer by default') { PipelineHarness h ->
            helperPrintsDates(h)
            answer(h, 0)
            h.call('rollbackSelectDate', select())
            assert h.callsOf('timeout')*.args == [[[time: 120, unit: 'SECONDS']]]
        }

        suite.check('select: timeoutSeconds changes the wait') { PipelineHarness h ->
            helperPrintsDates(h)
            answer(h, 0)
            h.call('rollbackSelectDate', select(timeoutSeconds: 300))
            assert h.callsOf('timeout')[0].args == [[time: 300, unit: 'SECONDS']]
        }

        suite.check('select: the drop-down offers the dates exactly as the helper printed them') { PipelineHarness h ->
            helperPrints(h, '2026-11-20\n2026-11-13\n2026-10-31\n2025-12-31\n')
            answer(h, 0)
            h.call('rollbackSelectDate', select())
            List inputs = h.callsOf('input')
            assert inputs.size() == 1
            Map question = inputs[0].args[0]
            assert question.parameters == [[$class: 'choice', name: 'ROLLBACK_DATE',
                choices: ['2026-11-20', '2026-11-13', '2026-10-31', '2025-12-31'],
                description: 'Days on which a service of this environment got a new image, newest first']]
            assert question.submitterParameter == 'ROLLBACK_APPROVER'
            assert question.message.startsWith('Roll back prod to which day?')
            assert !question.containsKey('submitter')
        }

        suite.check('select: returns the chosen date and sets env.ROLLBACK_DATE and env.ROLLBACK_APPROVER') { PipelineHarness h ->
            helperPrintsDates(h)
            answer(h, 1, 'carol')
            Object date = h.call('rollbackSelectDate', select())
            assert date == '2026-11-13' && date instanceof String
            assert h.env.ROLLBACK_DATE == '2026-11-13'
            assert h.env.ROLLBACK_APPROVER == 'carol'
        }

        suite.check('select: an answer without the approver (a plain String) still works; env never gets "null"') { PipelineHarness h ->
            helperPrintsDates(h)
            h.inputHandler = { Map args -> args.parameters[0].choices[2] }
            assert h.call('rollbackSelectDate', select()) == '2026-11-02'
            assert h.env.ROLLBACK_DATE == '2026-11-02'
            assert h.env.ROLLBACK_APPROVER == ''
            assert h.env.ROLLBACK_REGISTRY_CREDENTIALS_ID == ''
            assert !h.env.values().contains('null')
        }

        suite.check('select: submitter limits who may answer') { PipelineHarness h ->
            helperPrintsDates(h)
            answer(h, 0)
            h.call('rollbackSelectDate', select(submitter: 'oncall,alice'))
            assert h.callsOf('input')[0].args[0].submitter == 'oncall,alice'
        }

        suite.check('select: a fired timeout returns null') { PipelineHarness h ->
            helperPrintsDates(h)
            interrupt(h, timeout())
            assert h.call('rollbackSelectDate', select()) == null
            assert h.env.ROLLBACK_DATE == null
            assert h.callsOf('echo')*.args.flatten().any { it.contains('nobody answered within 120 s') }
            assert h.currentBuild.description == 'prod: nothing chosen (nobody answered within 120 s); nothing changed'
            assert h.currentBuild.result == 'ABORTED'
        }

        suite.check('select: a timeout reported by input-step before 495.x (Rejection by SYSTEM) returns null') { PipelineHarness h ->
            helperPrintsDates(h)
            interrupt(h, rejectedBy('SYSTEM'))
            assert h.call('rollbackSelectDate', select()) == null
            interrupt(h, rejectedBy(null))
            assert h.call('rollbackSelectDate', select()) == null
        }

        suite.check('select: Abort on the question returns null and names who aborted') { PipelineHarness h ->
            helperPrintsDates(h)
            interrupt(h, rejectedBy('alice'))
            assert h.call('rollbackSelectDate', select()) == null
            assert h.callsOf('echo')*.args.flatten().any { it.contains('alice clicked Abort') }
            assert h.env.ROLLBACK_DATE == null
        }

        suite.check("select: the build's Stop button is rethrown") { PipelineHarness h ->
            helperPrintsDates(h)
            interrupt(h, stopButton())
            try {
                h.call('rollbackSelectDate', select())
                assert false : 'the interruption was swallowed'
            } catch (FlowInterruptedException e) {
                assert e.causes*.shortDescription == ['Aborted by bob']
            }
        }

        suite.check('select: any other error of the question is rethrown') { PipelineHarness h ->
            helperPrintsDates(h)
            h.inputHandler = { Map args -> throw new IllegalStateException('input plugin broke') }
            try {
                h.call('rollbackSelectDate', select())
                assert false : 'the error was swallowed'
            } catch (IllegalStateException e) {
                assert e.message == 'input plugin broke'
            }
        }

        suite.check('select: a failing helper fails the step') { PipelineHarness h ->
            h.onSh(/ get --registry /) { Map call -> 3 }
            String message = failure { h.call('rollbackSelectDate', select()) }
            assert message == 'script returned exit code 3'
            assert h.callsOf('input').isEmpty()
        }

        suite.check('select: no dates fails with a clear message and asks nothing') { PipelineHarness h ->
            helperPrints(h, '\n')
            String message = failure { h.call('rollbackSelectDate', select()) }
            assert message.startsWith('rollbackSelectDate: no date to roll back prod to: no image of shop/api, shop/web with a master tag')
            assert h.callsOf('input').isEmpty()
        }

        suite.check('select: a line that is not a date is refused, never offered') { PipelineHarness h ->
            helperPrints(h, '2026-11-20\n2026-11-13; rm -rf /\n')
            String message = failure { h.call('rollbackSelectDate', select()) }
            assert message.contains("printed '2026-11-13; rm -rf /' where a date (YYYY-MM-DD) was expected")
            assert h.callsOf('input').isEmpty()
        }

        suite.check('select: an answer that was not offered is refused') { PipelineHarness h ->
            helperPrintsDates(h)
            h.inputHandler = { Map args -> [ROLLBACK_DATE: '2026-11-20; rm -rf /', ROLLBACK_APPROVER: 'mallory'] }
            String message = failure { h.call('rollbackSelectDate', select()) }
            assert message.contains("the answer '2026-11-20; rm -rf /' is not one of the choices offered")
            assert h.env.ROLLBACK_DATE == null
        }

        suite.check('select: writes the helper from libraryResource into pwd(tmp: true) as UTF-8') { PipelineHarness h ->
            helperPrintsDates(h)
            answer(h, 0)
            h.call('rollbackSelectDate', select())
            assert h.callsOf('libraryResource')*.args == [[[resource: 'rollback/rollback.cjs', encoding: 'UTF-8']]]
            Map write = h.callsOf('writeFile')[0].args[0]
            assert write.file == h.tmpDir.path + '/rollback-helper.cjs' && write.encoding == 'UTF-8'
            File bundle = new File(h.libraryRoot, 'resources/rollback/rollback.cjs')
            assert new File(write.file).getText('UTF-8') == bundle.getText('UTF-8')
            assert shEnv(h).ROLLBACK_HELPER == write.file
        }

        suite.check('select: every value reaches get through withEnv, none through the shell line') { PipelineHarness h ->
            helperPrintsDates(h)
            answer(h, 0)
            h.userValues.addAll([REGISTRY, 'shop/api', 'Europe/Berlin', '.*-{env}$'])
            h.call('rollbackSelectDate', select(keep: 12, tz: 'Europe/Berlin', tagPattern: '.*-{env}$'))
            Map sh = h.callsOf('sh')[0]
            assert sh.args[0].returnStdout == true
            assert sh.env.subMap(['ROLLBACK_REGISTRY', 'ROLLBACK_REPOS', 'ROLLBACK_TAG_SUFFIX', 'ROLLBACK_KEEP',
                                  'ROLLBACK_TZ', 'ROLLBACK_TAG_PATTERN', 'ROLLBACK_DUMP']) ==
                [ROLLBACK_REGISTRY: REGISTRY, ROLLBACK_REPOS: 'shop/api,shop/web', ROLLBACK_TAG_SUFFIX: 'master',
                 ROLLBACK_KEEP: '12', ROLLBACK_TZ: 'Europe/Berlin', ROLLBACK_TAG_PATTERN: '.*-{env}$',
                 ROLLBACK_DUMP: h.workspace.path + '/rollback/prod']
            assert sh.script.contains('exec node "$ROLLBACK_HELPER" "$@"')
            assert sh.script.contains('--registry "$ROLLBACK_REGISTRY" --repo "$ROLLBACK_REPOS" --env "$ROLLBACK_TAG_SUFFIX"')
        }

        suite.check('select: repos as a comma-separated String equals the list') { PipelineHarness h ->
            helperPrintsDates(h)
            answer(h, 0)
            h.call('rollbackSelectDate', select(repos: ' shop/api, shop/web ,shop/api'))
            assert shEnv(h).ROLLBACK_REPOS == 'shop/api,shop/web'
        }

        suite.check('select: registry credentials are bound only around the helper, as REGISTRY_USER/REGISTRY_PASSWORD') { PipelineHarness h ->
            h.credential('registry-ro', [type: 'usernamePassword', username: 'ci-reader', password: 'reg-s3cret!'])
            helperPrintsDates(h)
            answer(h, 0)
            h.call('rollbackSelectDate', select(registryCredentialsId: 'registry-ro'))
            assert h.callsOf('withCredentials')*.args == [[[[$class: 'usernamePassword', credentialsId: 'registry-ro',
                usernameVariable: 'REGISTRY_USER', passwordVariable: 'REGISTRY_PASSWORD']]]]
            assert h.callsOf('withCredentials')[0].args.toString().indexOf('reg-s3cret!') < 0
            assert shEnv(h).REGISTRY_USER == 'ci-reader' && shEnv(h).REGISTRY_PASSWORD == 'reg-s3cret!'
            assert !h.env.containsKey('REGISTRY_PASSWORD')
        }

        suite.check('select: bad arguments are refused before anything runs') { PipelineHarness h ->
            Map expected = [
                (select(registry: 'registry.example.test')): "registry: expected the registry's base URL",
                (select(repos: [])): 'repos: expected the repositories',
                (select(repos: ['shop/api', 'x;rm -rf /'])): "repos: 'x;rm -rf /' is not a repository name",
                (select(keep: 'ten')): "keep: expected a whole number >= 1 (got 'ten')",
                (select(timeoutSeconds: 0)): "timeoutSeconds: expected a whole number of seconds >= 1 (got '0')",
                (select(registryCredentialId: 'typo')): "unknown argument 'registryCredentialId'",
                (select(registry: 'https://ci:hunter22@registry.example.test')): 'registry: the URL carries a user name or password; pass them as registryCredentialsId instead',
            ]
            expected.each { Map config, String text ->
                String message = failure { h.call('rollbackSelectDate', config) }
                assert message.startsWith('rollbackSelectDate: ') && message.contains(text)
            }
            assert !h.stepNames().any { it in ['sh', 'writeFile', 'input'] }
            assert !h.calls.toString().contains('hunter22') : 'a password in a URL was echoed'
        }

        suite.check('select: keeps the catalog for rollbackRun (stash) and records the environment') { PipelineHarness h ->
            h.credential('registry-ro', [type: 'usernamePassword', username: 'u', password: 'pw-123'])
            helperPrintsDates(h)
            answer(h, 0)
            h.call('rollbackSelectDate', select(registryCredentialsId: 'registry-ro'))
            assert h.callsOf('stash')*.args == [[[name: 'rollback-catalog-prod', includes: 'rollback/prod/rollback.json']]]
            assert h.env.ROLLBACK_ENVIRONMENT == 'prod'
            assert h.env.ROLLBACK_REGISTRY_CREDENTIALS_ID == 'registry-ro'
        }

        suite.check('select: without a target the drop-down offers the plain dates and asks nothing else of the helper') { PipelineHarness h ->
            helperPrintsDates(h)
            answer(h, 0)
            h.call('rollbackSelectDate', select())
            assert h.callsOf('sh').collect { shCommand(it) } == ['get']
            assert h.callsOf('input')[0].args[0].parameters[0].choices == DATES
        }

        suite.check('select: with a target, each day says what it changes (status --choices) and the first is the newest day that changes something') { PipelineHarness h ->
            h.credential('marathon-ro', [type: 'usernamePassword', username: 'reader', password: 'mar-pa55!'])
            helperPrintsDates(h)
            helperPrintsChoices(h)
            answer(h, 0)
            Object date = h.call('rollbackSelectDate', select(marathon: MARATHON, credentialsId: 'marathon-ro'))
            assert h.callsOf('sh').collect { shCommand(it) } == ['get', 'status']
            Map question = h.callsOf('input')[0].args[0]
            // The first choice is preselected: the newest day that changes something, not today's no-op day.
            assert question.parameters[0].choices == CHOICES
            assert question.parameters[0].choices[0] == '2026-11-13 · api, billing'
            assert !question.parameters[0].choices[0].contains('changes nothing')
            assert question.message.contains('the first is the newest day that changes something')
            assert date == '2026-11-13' && h.env.ROLLBACK_DATE == '2026-11-13'
            Map status = h.callsOf('sh')[1]
            assert status.args[0].returnStdout == true && status.args[0].encoding == 'UTF-8'
            assert status.env.subMap(['ROLLBACK_MARATHON', 'ROLLBACK_GROUP', 'MARATHON_USER', 'MARATHON_PASSWORD']) ==
                [ROLLBACK_MARATHON: MARATHON, ROLLBACK_GROUP: '/ds/prod', MARATHON_USER: 'reader', MARATHON_PASSWORD: 'mar-pa55!']
            assert status.env.ROLLBACK_DUMP == h.workspace.path + '/rollback/prod'
            assert status.script.contains('set -- status --choices --dump "$ROLLBACK_DUMP"')
        }

        suite.check('select: a label maps back to its date exactly (its first 10 characters), also a no-op day chosen on purpose') { PipelineHarness h ->
            helperPrintsDates(h)
            helperPrintsChoices(h)
            answer(h, 1)
            assert h.call('rollbackSelectDate', select(marathon: MARATHON)) == '2026-11-20'
            answer(h, 2)
            assert h.call('rollbackSelectDate', select(marathon: MARATHON)) == '2026-11-02'
            assert h.env.ROLLBACK_DATE == '2026-11-02' && h.env.ROLLBACK_AT == ''
        }

        suite.check('select: a choice whose day get did not print, or that starts with no date, is refused, never offered') { PipelineHarness h ->
            helperPrintsDates(h)
            helperPrintsChoices(h, ['2026-11-13 · api', '2026-11-14 · web'])
            String message = failure { h.call('rollbackSelectDate', select(marathon: MARATHON)) }
            assert message.contains("printed '2026-11-14 · web' where one of the dates of get")
            h.shHandlers.clear()
            helperPrintsDates(h)
            helperPrintsChoices(h, ['api changes; 2026-11-13'])
            assert failure { h.call('rollbackSelectDate', select(marathon: MARATHON)) }.contains("printed 'api changes; 2026-11-13'")
            assert h.callsOf('input').isEmpty()
        }

        suite.check('select: an answer that is a date but not one of the labels offered is refused') { PipelineHarness h ->
            helperPrintsDates(h)
            helperPrintsChoices(h)
            h.inputHandler = { Map args -> [ROLLBACK_DATE: '2026-11-20', ROLLBACK_APPROVER: 'mallory'] }
            String message = failure { h.call('rollbackSelectDate', select(marathon: MARATHON)) }
            assert message.contains("the answer '2026-11-20' is not one of the choices offered")
            assert h.env.ROLLBACK_DATE == null
        }

        suite.check('select: takes an agent only for the helper and asks with none held') { PipelineHarness h ->
            h.requireNodeContext = true
            helperPrintsDates(h)
            helperPrintsChoices(h)
            answer(h, 0)
            h.call('rollbackSelectDate', select(marathon: MARATHON, label: 'linux'))
            assert order(h, ['node', 'sh', 'input']) == ['node', 'sh get (on agent)', 'sh status (on agent)', 'input']
            assert h.callsOf('node')*.args == [['linux']]
        }
    }
}
