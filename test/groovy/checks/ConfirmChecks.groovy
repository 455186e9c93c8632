import static Fixtures.*

import org.jenkinsci.plugins.workflow.steps.FlowInterruptedException

/**
 * The plan people confirm is the plan that runs (rollbackConfirm through rollbackRun): the dry run's
 * plan in a second question before anything changes, the same non-answers as the date question,
 * the real run held to the saved plan under the lock, and the build told what happened, also after Stop.
 */
class ConfirmChecks {
    static void afterSelect(PipelineHarness h) {
        RollbackRunChecks.afterSelect(h)
    }

    static Map runArgs(Map extra = [:]) {
        [marathon: MARATHON] + extra
    }

    static void register(CheckSuite suite) {
        suite.check('confirm: the second input shows the plan lines the dry run printed, before the real run') { PipelineHarness h ->
            afterSelect(h)
            helperRuns(h)
            h.call('rollbackRun', runArgs())
            assert order(h, ['input', 'sh']) == ['sh get (on agent)', 'input', 'sh run --dry-run (on agent)', 'input',
                                                 'sh run (on agent)', 'sh journal check (on agent)']
            Map confirmation = h.callsOf('input')[1].args[0]
            PLAN.readLines().each { String line ->
                assert confirmation.message.contains(line) : "the confirmation lacks the plan line '${line}'"
            }
            assert confirmation.message.startsWith('Roll back prod to 2026-11-13? Nothing has changed yet; this is what will happen:')
            assert confirmation.ok == 'Roll back' && confirmation.submitterParameter == 'ROLLBACK_APPROVER'
            assert !confirmation.containsKey('parameters')
            assert h.callsOf('timeout')*.args == [[[time: 120, unit: 'SECONDS']], [[time: 120, unit: 'SECONDS']]]
            Map dry = dryRuns(h)[0]
            assert dry.env.subMap(['ROLLBACK_DRY_RUN', 'ROLLBACK_SAVE_PLAN', 'ROLLBACK_PLAN_TEXT', 'ROLLBACK_EXPECT_PLAN']) ==
                [ROLLBACK_DRY_RUN: 'true', ROLLBACK_SAVE_PLAN: h.workspace.path + '/rollback/prod/rollback-dry-run.json',
                 ROLLBACK_PLAN_TEXT: h.workspace.path + '/rollback/prod/rollback-dry-run.txt', ROLLBACK_EXPECT_PLAN: '']
            assert dry.script.contains('if [ -n "$ROLLBACK_SAVE_PLAN" ]; then set -- "$@" --save-plan "$ROLLBACK_SAVE_PLAN"; fi')
            assert dry.script.contains('node "$ROLLBACK_HELPER" "$@" > "$ROLLBACK_PLAN_TEXT"')
        }

        suite.check('confirm: the real run expects the plan that was shown (--expect-plan), under the lock') { PipelineHarness h ->
            afterSelect(h)
            helperRuns(h)
            h.call('rollbackRun', runArgs())
            Map real = realRuns(h)[0]
            assert real.env.subMap(['ROLLBACK_DRY_RUN', 'ROLLBACK_SAVE_PLAN', 'ROLLBACK_PLAN_TEXT', 'ROLLBACK_EXPECT_PLAN']) ==
                [ROLLBACK_DRY_RUN: '', ROLLBACK_SAVE_PLAN: '', ROLLBACK_PLAN_TEXT: '',
                 ROLLBACK_EXPECT_PLAN: h.workspace.path + '/rollback/prod/rollback-dry-run.json']
            assert real.script.contains('if [ -n "$ROLLBACK_EXPECT_PLAN" ]; then set -- "$@" --expect-plan "$ROLLBACK_EXPECT_PLAN"; fi')
            assert real.locks == ['rollback-prod'] && dryRuns(h)[0].locks == ['rollback-prod']
            assert h.callsOf('input')[1].locks == ['rollback-prod'] : 'the confirmation is asked under the lock'
            // The real run may get another agent: the saved plan travels in a stash.
            assert h.callsOf('stash')*.args.contains([[name: 'rollback-dry-run-prod', includes: 'rollback/prod/rollback-dry-run.json']])
            assert h.callsOf('unstash')*.args.contains(['rollback-dry-run-prod'])
        }

        suite.check('confirm: a fired timeout of the confirmation changes nothing') { PipelineHarness h ->
            afterSelect(h)
            FakeHelper fake = helperRuns(h)
            interruptConfirmation(h, 1, timeout())
            assert h.call('rollbackRun', runArgs()) == null
            assert fake.dryRuns == 1 && fake.runs == 0 && realRuns(h).isEmpty()
            assert h.currentBuild.description == 'prod to 2026-11-13: not confirmed (nobody answered within 120 s); nothing changed'
            assert h.currentBuild.result == 'ABORTED'
            interruptConfirmation(h, 1, rejectedBy('SYSTEM'))
            assert h.call('rollbackRun', runArgs()) == null && fake.runs == 0
        }

        suite.check('confirm: Abort of the confirmation changes nothing and names who aborted') { PipelineHarness h ->
            afterSelect(h)
            FakeHelper fake = helperRuns(h)
            interruptConfirmation(h, 1, rejectedBy('carol'))
            assert h.call('rollbackRun', runArgs()) == null
            assert fake.runs == 0 && realRuns(h).isEmpty()
            assert h.currentBuild.description == 'prod to 2026-11-13: not confirmed (carol clicked Abort); nothing changed'
            assert h.currentBuild.result == 'ABORTED'
        }

        suite.check('confirm: the dry-run plan is archived with the build also when nobody confirms') { PipelineHarness h ->
            afterSelect(h)
            helperRuns(h)
            interruptConfirmation(h, 1, timeout())
            h.call('rollbackRun', runArgs())
            Map archive = h.callsOf('archiveArtifacts')[0]
            assert archive.args == [[artifacts: 'rollback/prod/rollback-dry-run.txt,rollback/prod/rollback-dry-run.json',
                                     allowEmptyArchive: true]]
            assert archive.archived == ['rollback/prod/rollback-dry-run.txt', 'rollback/prod/rollback-dry-run.json']
            assert new File(h.workspace, 'rollback/prod/rollback-dry-run.txt').text == PLAN
        }

        suite.check("confirm: the build's Stop button at the confirmation is rethrown; the build says nothing changed") { PipelineHarness h ->
            afterSelect(h)
            FakeHelper fake = helperRuns(h)
            interruptConfirmation(h, 1, stopButton())
            try {
                h.call('rollbackRun', runArgs())
                assert false : 'the interruption was swallowed'
            } catch (FlowInterruptedException e) {
                assert e.causes*.shortDescription == ['Aborted by bob']
            }
            assert fake.runs == 0
            assert h.currentBuild.description == 'prod to 2026-11-13: ended before any change (see the log); nothing changed'
        }

        suite.check('confirm: the approver recorded is the one who confirmed') { PipelineHarness h ->
            helperPrintsDates(h)
            answer(h, 1, 'alice', 'carol')
            h.call('rollbackSelectDate', select())
            FakeHelper fake = helperRuns(h)
            h.call('rollbackRun', runArgs())
            assert dryRuns(h)[0].env.ROLLBACK_APPROVER == 'alice'
            assert fake.runEnvs[0].ROLLBACK_APPROVER == 'carol'
            assert h.env.ROLLBACK_APPROVER == 'carol'
        }

        suite.check('confirm: submitter and the wait of the date question apply to the confirmation too') { PipelineHarness h ->
            helperPrintsDates(h)
            answer(h, 1)
            h.call('rollbackSelectDate', select(submitter: 'oncall', timeoutSeconds: 300))
            helperRuns(h)
            h.call('rollbackRun', runArgs())
            assert h.callsOf('input')*.args*.getAt(0)*.submitter == ['oncall', 'oncall']
            assert h.callsOf('timeout')*.args == [[[time: 300, unit: 'SECONDS']], [[time: 300, unit: 'SECONDS']]]
            h.call('rollbackRun', runArgs(submitter: 'sre-leads', questionTimeoutSeconds: 60))
            assert h.callsOf('input')[-1].args[0].submitter == 'sre-leads'
            assert h.callsOf('timeout')[-1].args == [[time: 60, unit: 'SECONDS']]
        }

        suite.check('confirm: a changed plan under the lock (exit 4) is not deployed unconfirmed: the new plan is shown again') { PipelineHarness h ->
            afterSelect(h)
            FakeHelper fake = new FakeHelper(plans: [PLAN, PLAN_CHANGED], exits: [4, 0]).install(h)
            Object summary = h.call('rollbackRun', runArgs())
            assert summary == 'prod rolled back to 2026-11-13: 2 services'
            assert order(h, ['input', 'sh']).collect { it - ' (on agent)' } == ['sh get', 'input', 'sh run --dry-run', 'input',
                'sh run', 'sh journal check', 'sh run --dry-run', 'input', 'sh run', 'sh journal check']
            Map second = h.callsOf('input')[2].args[0]
            assert second.message.startsWith('The environment changed since the last plan was shown, and nothing was changed.')
            assert second.message.contains('api  1.8.0-master → 1.6.0-master  image of that day')
            assert fake.runEnvs*.ROLLBACK_EXPECT_PLAN == [h.workspace.path + '/rollback/prod/rollback-dry-run.json',
                                                          h.workspace.path + '/rollback/prod/rollback-dry-run-2.json']
            assert h.callsOf('input')*.args*.getAt(0)*.id == ['Rollback', 'ConfirmRollback1', 'ConfirmRollback2']
        }

        suite.check('confirm: after a changed plan (exit 4), Abort of the new question deploys nothing') { PipelineHarness h ->
            afterSelect(h)
            FakeHelper fake = new FakeHelper(plans: [PLAN, PLAN_CHANGED], exits: [4, 0]).install(h)
            int asked = 0
            h.inputHandler = { Map args ->
                asked++
                if (args.id == 'ConfirmRollback2') {
                    throw new FlowInterruptedException(hudson.model.Result.ABORTED, rejectedBy('alice'))
                }
                return 'alice'
            }
            assert h.call('rollbackRun', runArgs()) == null
            assert asked == 2 && fake.runs == 1 : 'only the run the helper refused (exit 4) ran'
            assert h.currentBuild.description == 'prod to 2026-11-13: not confirmed (alice clicked Abort); nothing changed'
        }

        suite.check('confirm: an environment that keeps changing stops after 3 plans, nothing deployed') { PipelineHarness h ->
            afterSelect(h)
            FakeHelper fake = new FakeHelper(exits: [4]).install(h)
            String message = failure { h.call('rollbackRun', runArgs()) }
            assert message.startsWith('rollbackRun: prod to 2026-11-13: not done: the environment kept changing')
            assert fake.dryRuns == 3 && fake.runs == 3
            assert h.currentBuild.description.endsWith('(3 plans); nothing changed')
        }

        suite.check('confirm: confirm: false skips the question for automation (no dry run, no plan to expect)') { PipelineHarness h ->
            afterSelect(h)
            FakeHelper fake = helperRuns(h)
            h.call('rollbackRun', runArgs(confirm: false))
            assert fake.dryRuns == 0 && fake.runs == 1
            assert h.callsOf('input').size() == 1 : 'only the date question'
            assert fake.runEnvs[0].ROLLBACK_EXPECT_PLAN == '' && fake.runEnvs[0].ROLLBACK_APPROVER == 'alice'
        }

        suite.check('confirm: a dry run that fails asks nothing and fails the build') { PipelineHarness h ->
            afterSelect(h)
            FakeHelper fake = new FakeHelper(dryRunExit: 2).install(h)
            String message = failure { h.call('rollbackRun', runArgs()) }
            assert message == 'rollbackRun: the dry run failed: the helper refused its input; nothing was changed ' +
                '(its message is in the log above)'
            assert h.callsOf('input').size() == 1 && fake.runs == 0
            assert h.currentBuild.description == 'prod to 2026-11-13: the dry run failed (exit 2); nothing changed'
            assert h.callsOf('archiveArtifacts')[0].archived == ['rollback/prod/rollback-dry-run.txt']
        }

        suite.check('stop: the description is set after a Stop during the rollback (FlowInterruptedException from sh), the journal archived') { PipelineHarness h ->
            afterSelect(h)
            FakeHelper fake = new FakeHelper(duringRun: { Map call, File dir ->
                new File(dir, 'rollback-journal.json').text = '{"steps":1}\n'
                throw new FlowInterruptedException(hudson.model.Result.ABORTED, stopButton())
            }).install(h)
            fake.journalWritten = true
            try {
                h.call('rollbackRun', runArgs())
                assert false : 'the interruption was swallowed'
            } catch (FlowInterruptedException e) {
                assert e.causes*.shortDescription == ['Aborted by bob']
            }
            assert RollbackRunChecks.archiveOfRun(h).archived == ['rollback/prod/rollback-journal.json']
            assert h.currentBuild.description == 'prod to 2026-11-13: STOPPED while changing; the journal ' +
                '(rollback/prod/rollback-journal.json, archived) records every change sent: run the job again for the ' +
                'same point to finish the rollback, or undo it (rollbackUndo, action undo)'
        }

        suite.check("stop: after a Stop the helper's own summary (written on SIGTERM) is the description") { PipelineHarness h ->
            afterSelect(h)
            new FakeHelper(duringRun: { Map call, File dir ->
                new File(dir, 'rollback-summary.txt').text = 'prod to 2026-11-13: INTERRUPTED (SIGTERM), reverted: api\n'
                throw new FlowInterruptedException(hudson.model.Result.ABORTED, stopButton())
            }).install(h)
            try {
                h.call('rollbackRun', runArgs())
                assert false : 'the interruption was swallowed'
            } catch (FlowInterruptedException e) {
                assert h.currentBuild.description == 'prod to 2026-11-13: INTERRUPTED (SIGTERM), reverted: api'
            }
        }

        suite.check('lock: inside a lock taken with variable ROLLBACK_LOCK the steps run in it, never lock again') { PipelineHarness h ->
            h.requireNodeContext = true
            helperPrintsDates(h)
            answer(h, 1)
            helperRuns(h)
            (h.binding.getVariable('lock') as Closure).call([resource: 'rollback-prod', variable: 'ROLLBACK_LOCK']) {
                h.call('rollbackSelectDate', select(label: 'linux'))
                h.call('rollbackRun', runArgs(label: 'linux'))
            }
            assert h.callsOf('lock').size() == 1
            assert h.callsOf('input')*.locks == [['rollback-prod'], ['rollback-prod']]
            assert h.callsOf('sh')*.locks.every { it == ['rollback-prod'] }
            // Another environment's lock is no excuse: stage still takes its own.
            (h.binding.getVariable('lock') as Closure).call([resource: 'rollback-prod', variable: 'ROLLBACK_LOCK']) {
                h.call('rollbackRun', runArgs(environment: 'stage', date: '2026-11-13', registry: REGISTRY, repos: 'shop/api', label: 'linux'))
            }
            assert h.callsOf('lock')[-1].args == [[resource: 'rollback-stage', variable: 'ROLLBACK_LOCK']]
        }

        suite.check('agents: the dry run and the run each take an agent; the confirmation holds none') { PipelineHarness h ->
            h.requireNodeContext = true
            helperPrintsDates(h)
            answer(h, 1)
            helperRuns(h)
            h.call('rollbackSelectDate', select(label: 'linux'))
            h.call('rollbackRun', runArgs(label: 'linux'))
            assert order(h, ['node', 'sh', 'input', 'lock']) == ['node', 'sh get (on agent)', 'input', 'lock', 'node',
                'sh run --dry-run (on agent)', 'input', 'node', 'sh run (on agent)', 'sh journal check (on agent)']
            assert h.callsOf('node')*.args == [['linux'], ['linux'], ['linux']]
        }
    }
}
