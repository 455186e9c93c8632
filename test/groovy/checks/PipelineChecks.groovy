import static Fixtures.*

/** rollbackPipeline: parameters, one lock from the question to the end with no agent held while asking, undo. */
class PipelineChecks {
    static Map pipeline(Map extra = [:]) {
        [registry: REGISTRY, repos: ['shop/api', 'shop/web'], marathon: 'https://marathon.example.test'] + extra
    }

    static void register(CheckSuite suite) {
        suite.check('pipeline: registers the parameters (environment, action, build, dryRun) and one build at a time; the first build stops there') { PipelineHarness h ->
            h.requireNodeContext = true
            Object result = h.call('rollbackPipeline', pipeline())
            assert result == null
            List properties = h.callsOf('properties')[0].args[0]
            assert properties[0] == [$class: 'disableConcurrentBuilds']
            assert properties[1] == [$class: 'copyArtifactPermission', projectNames: '/ops/rollback']
            assert properties[2].list*.name == ['environment', 'action', 'build', 'dryRun']
            assert properties[2].list[0] == [$class: 'choice', name: 'environment', choices: ['dev', 'stage', 'prod'],
                description: 'The environment whose services are rolled back']
            assert properties[2].list[1].choices == ['rollback', 'undo']
            assert properties[2].list[2].$class == 'string' && properties[2].list[2].defaultValue == ''
            assert h.callsOf('sh').isEmpty() && h.callsOf('input').isEmpty()
            assert h.currentBuild.description == 'parameters registered; nothing rolled back'
        }

        suite.check('pipeline: one lock from the question to the end; an agent only around the helper, none while asking') { PipelineHarness h ->
            h.requireNodeContext = true
            h.params.putAll([environment: 'stage', action: 'rollback'])
            helperPrintsDates(h)
            helperPrintsChoices(h)
            answer(h, 0, 'erin')
            new FakeHelper(summary: 'stage rolled back to 2026-11-13').install(h)
            Object result = h.call('rollbackPipeline', pipeline(label: 'linux', timeoutSeconds: 60))
            assert result == 'stage rolled back to 2026-11-13'
            assert order(h, ['node', 'sh', 'input', 'lock']) == ['lock', 'node', 'sh get (on agent)', 'sh status (on agent)',
                'input', 'node', 'sh run --dry-run (on agent)', 'input', 'node', 'sh run (on agent)', 'sh journal check (on agent)']
            assert h.callsOf('lock')*.args == [[[resource: 'rollback-stage', variable: 'ROLLBACK_LOCK']]]
            assert (h.callsOf('sh') + h.callsOf('input'))*.locks.every { it == ['rollback-stage'] }
            assert h.callsOf('node')*.args == [['linux'], ['linux'], ['linux']]
            assert h.callsOf('timeout')*.args == [[[time: 60, unit: 'SECONDS']], [[time: 60, unit: 'SECONDS']]]
            assert realRuns(h)[0].env.subMap(['ROLLBACK_DATE', 'ROLLBACK_APPROVER', 'ROLLBACK_TIMEOUT', 'ROLLBACK_MARATHON']) ==
                [ROLLBACK_DATE: '2026-11-13', ROLLBACK_APPROVER: 'erin', ROLLBACK_TIMEOUT: '',
                 ROLLBACK_MARATHON: 'https://marathon.example.test']
        }

        suite.check('pipeline: deployTimeoutSeconds is the deployment timeout, timeoutSeconds the wait for answers') { PipelineHarness h ->
            h.params.putAll([environment: 'stage', action: 'rollback'])
            helperPrintsDates(h)
            helperPrintsChoices(h)
            answer(h, 0)
            helperRuns(h)
            h.call('rollbackPipeline', pipeline(timeoutSeconds: 45, deployTimeoutSeconds: 900))
            assert realRuns(h)[0].env.ROLLBACK_TIMEOUT == '900'
            assert h.callsOf('timeout')*.args == [[[time: 45, unit: 'SECONDS']], [[time: 45, unit: 'SECONDS']]]
        }

        suite.check('pipeline: no date chosen ends the build ABORTED without a rollback') { PipelineHarness h ->
            h.params.environment = 'prod'
            helperPrintsDates(h)
            helperPrintsChoices(h)
            interrupt(h, timeout())
            assert h.call('rollbackPipeline', pipeline()) == null
            assert h.currentBuild.result == 'ABORTED'
            assert h.currentBuild.description == 'prod: nothing chosen (nobody answered within 120 s); nothing changed'
            assert h.callsOf('sh').collect { shCommand(it) } == ['get', 'status']
        }

        suite.check('pipeline: the dryRun parameter makes a dry run') { PipelineHarness h ->
            h.params.putAll([environment: 'dev', dryRun: true])
            helperPrintsDates(h)
            helperPrintsChoices(h)
            answer(h, 0)
            FakeHelper fake = helperRuns(h, 0, null)
            h.call('rollbackPipeline', pipeline())
            assert fake.dryRuns == 1 && fake.runs == 0
            assert h.callsOf('input').size() == 1
            assert h.callsOf('node')*.args == [[], []]
            assert h.currentBuild.description == 'dev to 2026-11-13: dry run, nothing changed (approved by alice)'
        }

        suite.check('pipeline: action undo undoes the newest rollback of the environment, or the build given') { PipelineHarness h ->
            h.requireNodeContext = true
            h.params.putAll([environment: 'prod', action: 'undo', build: ''])
            UndoChecks.history(h)
            FakeHelper fake = UndoChecks.undoHelper(h)
            answer(h, 0, 'alice', 'frank')
            Object result = h.call('rollbackPipeline', pipeline(label: 'linux'))
            assert result == 'prod: 2 apps put back (rollback of build #5)'
            assert h.callsOf('lock')*.args == [[[resource: 'rollback-prod', variable: 'ROLLBACK_LOCK']]]
            assert !h.callsOf('sh').any { shCommand(it) in ['get', 'status', 'run'] }
            assert fake.runEnvs[0].ROLLBACK_APPROVER == 'frank'
            h.params.build = '3'
            h.call('rollbackPipeline', pipeline())
            assert h.callsOf('copyArtifacts')[-1].args[0].selector.buildNumber == '3'
        }

        suite.check('pipeline: environments: sets the parameter choices and the mapping') { PipelineHarness h ->
            h.params.environment = 'live'
            helperPrintsDates(h)
            helperPrintsChoices(h)
            answer(h, 0)
            helperRuns(h)
            h.call('rollbackPipeline', pipeline(environments: [test: 'develop', live: 'main']))
            assert h.callsOf('properties')[0].args[0][2].list[0].choices == ['test', 'live']
            assert h.callsOf('sh')[0].env.ROLLBACK_TAG_SUFFIX == 'main'
            assert h.callsOf('lock')[0].args == [[resource: 'rollback-live', variable: 'ROLLBACK_LOCK']]
            assert failure { h.call('rollbackPipeline', pipeline(environment: 'live')) }.startsWith(
                'rollbackPipeline: environment comes from the build parameters')
            assert failure { h.call('rollbackPipeline', pipeline(date: '2026-11-13')) }.startsWith('rollbackPipeline: date comes from')
        }
    }
}
