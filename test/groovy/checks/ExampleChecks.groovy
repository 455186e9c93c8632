import static Fixtures.*

/** Jenkinsfile.example as a user copies it, run on the harness with a small Declarative fake. */
class ExampleChecks {
    static File example(PipelineHarness h) {
        new File(h.libraryRoot, 'Jenkinsfile.example')
    }

    static void register(CheckSuite suite) {
        suite.check('example: Jenkinsfile.example asks for a date on the agent, then rolls back with the approver') { PipelineHarness h ->
            h.requireNodeContext = true
            h.params.putAll([environment: 'prod', dryRun: false])
            h.credential('registry-read', [type: 'usernamePassword', username: 'reader', password: 'reg-pa55!'])
            h.credential('marathon-deployer', [type: 'usernamePassword', username: 'deployer', password: 'mar-pa55!'])
            h.credential('slack-oncall-webhook', [type: 'string', secret: 'https://hooks.slack.test/T0/B0/secret'])
            helperPrintsDates(h)
            answer(h, 1, 'oncall-olga')
            helperRuns(h, 0, 'prod rolled back to 2026-11-13')
            new DeclarativeFake(h).run(example(h))
            assert h.callsOf('stage')*.args == [['Choose the date'], ['Roll back']]
            assert h.callsOf('input')[0].args[0].submitter == 'oncall'
            Map run = h.callsOf('sh')[1]
            assert run.locks == ['rollback-prod'] && run.inNode
            assert run.env.subMap(['ROLLBACK_DATE', 'ROLLBACK_APPROVER', 'ROLLBACK_MARATHON', 'ROLLBACK_DRY_RUN',
                                   'REGISTRY_PASSWORD', 'MARATHON_PASSWORD', 'SLACK_WEBHOOK_URL']) ==
                [ROLLBACK_DATE: '2026-11-13', ROLLBACK_APPROVER: 'oncall-olga', ROLLBACK_MARATHON: 'https://marathon.example.com',
                 ROLLBACK_DRY_RUN: '', REGISTRY_PASSWORD: 'reg-pa55!', MARATHON_PASSWORD: 'mar-pa55!',
                 SLACK_WEBHOOK_URL: 'https://hooks.slack.test/T0/B0/secret']
            assert h.currentBuild.description == 'prod rolled back to 2026-11-13'
            assert h.currentBuild.result == null
        }

        suite.check('example: Jenkinsfile.example skips the rollback and ends ABORTED when nobody chooses a date') { PipelineHarness h ->
            h.params.putAll([environment: 'stage', dryRun: true])
            h.credential('registry-read', [type: 'usernamePassword', username: 'reader', password: 'reg-pa55!'])
            helperPrintsDates(h)
            interrupt(h, rejectedBy('alice'))
            new DeclarativeFake(h).run(example(h))
            assert h.callsOf('stage')*.args == [['Choose the date'], ['Roll back', 'skipped']]
            assert h.callsOf('lock').isEmpty() && h.callsOf('sh').size() == 1
            assert h.currentBuild.result == 'ABORTED'
            assert h.currentBuild.description == 'stage: no date chosen, nothing rolled back'
        }

        suite.check('example: the dryRun parameter of Jenkinsfile.example makes a dry run') { PipelineHarness h ->
            h.params.putAll([environment: 'dev', dryRun: true])
            ['registry-read', 'marathon-deployer'].each { h.credential(it, [type: 'usernamePassword', username: 'u', password: 'pw-' + it]) }
            h.credential('slack-oncall-webhook', [type: 'string', secret: 'https://hooks.slack.test/x'])
            helperPrintsDates(h)
            answer(h, 0)
            helperRuns(h, 0, null)
            new DeclarativeFake(h).run(example(h))
            assert h.callsOf('sh')[1].env.ROLLBACK_DRY_RUN == 'true'
            assert h.currentBuild.description == 'dev to 2026-11-20: dry run, nothing changed (approved by alice)'
        }
    }
}
