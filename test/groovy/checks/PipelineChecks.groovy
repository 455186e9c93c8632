import static Fixtures.*

/** rollbackPipeline: parameters, the order select -> ask (no agent held) -> run, and no answer. */
class PipelineChecks {
    static Map pipeline(Map extra = [:]) {
        [registry: REGISTRY, repos: ['shop/api', 'shop/web'], marathon: 'https://marathon.example.test'] + extra
    }

    static void register(CheckSuite suite) {
        suite.check('pipeline: registers the environment and dryRun parameters; the first build stops there') { PipelineHarness h ->
            h.requireNodeContext = true
            Object result = h.call('rollbackPipeline', pipeline())
            assert result == null
            assert h.callsOf('properties')[0].args == [[[$class: 'parameters', list: [
                [$class: 'choice', name: 'environment', choices: ['dev', 'stage', 'prod'],
                 description: 'The environment whose services are rolled back'],
                [$class: 'booleanParam', name: 'dryRun', defaultValue: false,
                 description: 'Only show what would be rolled back; change nothing'],
            ]]]]
            assert h.callsOf('sh').isEmpty() && h.callsOf('input').isEmpty()
            assert h.currentBuild.description == 'parameters registered; nothing rolled back'
        }

        suite.check('pipeline: reads the registry on an agent, asks with no agent held, rolls back on an agent') { PipelineHarness h ->
            h.requireNodeContext = true
            h.params.environment = 'stage'
            helperPrintsDates(h)
            answer(h, 1, 'erin')
            helperRuns(h, 0, 'stage rolled back to 2026-11-13')
            Object result = h.call('rollbackPipeline', pipeline(label: 'linux', timeoutSeconds: 60))
            assert result == 'stage rolled back to 2026-11-13'
            List<String> order = h.calls.findAll { it.step in ['node', 'sh', 'input', 'lock'] }.collect {
                "${it.step}${it.inNode ? ' (on agent)' : ''}".toString()
            }
            assert order == ['node', 'sh (on agent)', 'input', 'node', 'lock (on agent)', 'sh (on agent)']
            assert h.callsOf('node')*.args == [['linux'], ['linux']]
            assert h.callsOf('timeout')[0].args == [[time: 60, unit: 'SECONDS']]
            assert h.callsOf('sh')[1].env.subMap(['ROLLBACK_DATE', 'ROLLBACK_APPROVER', 'ROLLBACK_DRY_RUN', 'ROLLBACK_MARATHON']) ==
                [ROLLBACK_DATE: '2026-11-13', ROLLBACK_APPROVER: 'erin', ROLLBACK_DRY_RUN: '', ROLLBACK_MARATHON: 'https://marathon.example.test']
        }

        suite.check('pipeline: no date chosen ends the build ABORTED without a rollback') { PipelineHarness h ->
            h.params.environment = 'prod'
            helperPrintsDates(h)
            interrupt(h, timeout())
            assert h.call('rollbackPipeline', pipeline()) == null
            assert h.currentBuild.result == 'ABORTED'
            assert h.currentBuild.description == 'prod: no date chosen, nothing rolled back'
            assert h.callsOf('lock').isEmpty() && h.callsOf('sh').size() == 1
        }

        suite.check('pipeline: the dryRun parameter makes a dry run') { PipelineHarness h ->
            h.params.environment = 'dev'
            h.params.dryRun = true
            helperPrintsDates(h)
            answer(h, 0)
            helperRuns(h, 0, null)
            h.call('rollbackPipeline', pipeline())
            assert h.callsOf('sh')[1].env.ROLLBACK_DRY_RUN == 'true'
            assert h.callsOf('node')*.args == [[], []]
        }

        suite.check('pipeline: environments: sets the parameter choices and the mapping') { PipelineHarness h ->
            h.params.environment = 'live'
            helperPrintsDates(h)
            answer(h, 0)
            helperRuns(h)
            h.call('rollbackPipeline', pipeline(environments: [test: 'develop', live: 'main']))
            assert h.callsOf('properties')[0].args[0][0].list[0].choices == ['test', 'live']
            assert h.callsOf('sh')[0].env.ROLLBACK_TAG_SUFFIX == 'main'
            assert h.callsOf('lock')[0].args == [[resource: 'rollback-live']]
            assert failure { h.call('rollbackPipeline', pipeline(environment: 'live')) }.startsWith(
                'rollbackPipeline: environment comes from the build parameter')
        }
    }
}
