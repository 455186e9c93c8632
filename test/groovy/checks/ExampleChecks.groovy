import static Fixtures.*

/** Jenkinsfile.example as a user copies it, run on the harness with a small Declarative fake. */
class ExampleChecks {
    static File example(PipelineHarness h) {
        new File(h.libraryRoot, 'Jenkinsfile.example')
    }

    static void credentials(PipelineHarness h) {
        h.credential('registry-read', [type: 'usernamePassword', username: 'reader', password: 'reg-pa55!'])
        h.credential('marathon-deployer', [type: 'usernamePassword', username: 'deployer', password: 'mar-pa55!'])
        h.credential('slack-oncall-webhook', [type: 'string', secret: 'https://hooks.slack.test/T0/B0/secret'])
    }

    /** The example with its commented Kubernetes target switched on, as its comment tells users to. */
    static File kubernetesVariant(PipelineHarness h) {
        List<String> lines = example(h).getText('UTF-8').readLines()
        int start = lines.findIndexOf { it.startsWith('// target = [') }
        int end = lines.findIndexOf(start) { it == '// ]' }
        assert start > 0 && end > start : 'Jenkinsfile.example has no commented Kubernetes target'
        (start..end).each { lines[it] = lines[it].substring(3) }
        File variant = new File(h.root, 'Jenkinsfile.kubernetes')
        variant.setText(lines.join('\n') + '\n', 'UTF-8')
        variant
    }

    static void register(CheckSuite suite) {
        suite.check('example: Jenkinsfile.example holds no agent while asking, one lock from the question to the end, then rolls back with the confirmer') { PipelineHarness h ->
            h.requireNodeContext = true
            h.params.putAll([environment: 'prod', action: 'rollback', build: '', dryRun: false])
            credentials(h)
            helperPrintsDates(h)
            helperPrintsChoices(h)
            answer(h, 0, 'oncall-olga', 'oncall-omar')
            FakeHelper fake = helperRuns(h, 0, 'prod rolled back to 2026-11-13')
            new DeclarativeFake(h).run(example(h))
            assert h.callsOf('agent')*.args == [['none']]
            assert h.callsOf('disableConcurrentBuilds').size() == 1
            assert h.callsOf('copyArtifactPermission')*.args == [['/ops/rollback']]
            assert h.callsOf('stage')*.args == [['Roll back'], ['Undo', 'skipped']]
            assert h.callsOf('lock')*.args == [[[resource: 'rollback-prod', variable: 'ROLLBACK_LOCK']]]
            assert order(h, ['node', 'sh', 'input']) == ['node', 'sh get (on agent)', 'sh status (on agent)', 'input', 'node',
                'sh run --dry-run (on agent)', 'input', 'node', 'sh run (on agent)', 'sh journal check (on agent)']
            assert h.callsOf('node')*.args.every { it == ['linux'] }
            assert h.callsOf('input')*.args*.getAt(0)*.submitter == ['oncall', 'oncall']
            assert h.callsOf('input')*.locks.every { it == ['rollback-prod'] }
            assert fake.runEnvs[0].subMap(['ROLLBACK_DATE', 'ROLLBACK_APPROVER', 'ROLLBACK_MARATHON', 'REGISTRY_PASSWORD',
                                           'MARATHON_PASSWORD', 'SLACK_WEBHOOK_URL']) ==
                [ROLLBACK_DATE: '2026-11-13', ROLLBACK_APPROVER: 'oncall-omar', ROLLBACK_MARATHON: 'https://marathon.example.com',
                 REGISTRY_PASSWORD: 'reg-pa55!', MARATHON_PASSWORD: 'mar-pa55!', SLACK_WEBHOOK_URL: 'https://hooks.slack.test/T0/B0/secret']
            assert h.currentBuild.description == 'prod rolled back to 2026-11-13'
            assert h.currentBuild.result == null
        }

        suite.check('example: Jenkinsfile.example changes nothing and ends ABORTED when nobody chooses a date') { PipelineHarness h ->
            h.params.putAll([environment: 'stage', action: 'rollback', build: '', dryRun: false])
            credentials(h)
            helperPrintsDates(h)
            helperPrintsChoices(h)
            interrupt(h, rejectedBy('alice'))
            new DeclarativeFake(h).run(example(h))
            assert h.callsOf('sh').collect { shCommand(it) } == ['get', 'status']
            assert h.currentBuild.result == 'ABORTED'
            assert h.currentBuild.description == 'stage: nothing chosen (alice clicked Abort); nothing changed'
        }

        suite.check('example: the dryRun parameter of Jenkinsfile.example shows the plan and changes nothing') { PipelineHarness h ->
            h.params.putAll([environment: 'dev', action: 'rollback', build: '', dryRun: true])
            credentials(h)
            helperPrintsDates(h)
            helperPrintsChoices(h)
            answer(h, 0)
            FakeHelper fake = helperRuns(h, 0, null)
            new DeclarativeFake(h).run(example(h))
            assert fake.dryRuns == 1 && fake.runs == 0
            assert h.currentBuild.description == 'dev to 2026-11-13: dry run, nothing changed (approved by alice)'
        }

        suite.check('example: action undo of Jenkinsfile.example undoes the newest rollback that changed something') { PipelineHarness h ->
            h.requireNodeContext = true
            h.params.putAll([environment: 'prod', action: 'undo', build: '', dryRun: false])
            credentials(h)
            UndoChecks.history(h)
            FakeHelper fake = UndoChecks.undoHelper(h)
            answer(h, 0, 'alice', 'oncall-olga')
            new DeclarativeFake(h).run(example(h))
            assert h.callsOf('stage')*.args == [['Roll back', 'skipped'], ['Undo']]
            assert fake.runs == 1 && fake.runEnvs[0].ROLLBACK_APPROVER == 'oncall-olga'
            assert fake.runEnvs[0].MARATHON_PASSWORD == 'mar-pa55!'
            assert h.currentBuild.description == 'prod: 2 apps put back (rollback of build #5)'
        }

        suite.check('example: the Kubernetes variant of Jenkinsfile.example rolls a namespace back with a kubeconfig') { PipelineHarness h ->
            h.params.putAll([environment: 'stage', action: 'rollback', build: '', dryRun: false])
            credentials(h)
            h.credential('rollback-kubeconfig', [type: 'file', content: TargetChecks.KUBECONFIG])
            helperPrintsDates(h)
            List statusArgv = []
            helperPrintsChoices(h, CHOICES, statusArgv)
            answer(h, 0)
            FakeHelper fake = new FakeHelper(recordArgv: true).install(h)
            new DeclarativeFake(h).run(kubernetesVariant(h))
            assert statusArgv[0][-3..-1] == ['--kubernetes', '--namespace', 'shop-stage']
            assert fake.argvs[-1][3..-1] == ['--date', '2026-11-13', '--kubernetes', '--namespace', 'shop-stage', '--expect-plan',
                                            h.workspace.path + '/rollback/stage/rollback-dry-run.json']
            assert fake.runEnvs[0].KUBECONFIG && fake.runEnvs[0].MARATHON_PASSWORD == null
        }
    }
}
