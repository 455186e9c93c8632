import static Fixtures.*

import org.jenkinsci.plugins.workflow.steps.FlowInterruptedException

/** rollbackUndo: which build's journal, Copy Artifact, then the same lock, dry run, confirmation and plan check. */
class UndoChecks {
    static final String JOURNAL = 'rollback/prod/rollback-journal.json'
    static final String UNDO_PLAN = '''Plan: undo the rollback of /ds/prod to 2026-11-13 (build #5)
api  1.6.0-master → 1.7.0-master  put back
billing  1.4.0-master → 1.5.0-master  put back
'''

    static Map undoArgs(Map extra = [:]) {
        [environment: 'prod', marathon: MARATHON] + extra
    }

    /** Builds 6..2 before this one (#7): #5 rolled prod back, #4 stage; #6 only showed a plan nobody confirmed. */
    static void history(PipelineHarness h) {
        h.earlierBuilds([6, 5, 4, 3, 2], [
            6: ['rollback/prod/rollback-dry-run.txt': 'a plan nobody confirmed'],
            5: [(JOURNAL): '{"build":5}', 'rollback/prod/rollback-summary.txt': 'prod rolled back'],
            4: ['rollback/stage/rollback-journal.json': '{"build":4}'],
            3: [(JOURNAL): '{"build":3}'],
        ])
    }

    static FakeHelper undoHelper(PipelineHarness h, Map options = [:]) {
        new FakeHelper([command: 'undo', plans: [UNDO_PLAN], summary: 'prod: 2 apps put back'] + options).install(h)
    }

    static void register(CheckSuite suite) {
        suite.check('undo: runs undo inside the lock and withCredentials, after an input showing the undo plan, with the journal of the selected build') { PipelineHarness h ->
            history(h)
            h.credential('marathon-deployer', [type: 'usernamePassword', username: 'deployer', password: 'mar-pa55!'])
            FakeHelper fake = undoHelper(h)
            String journalSeen = null
            fake.duringRun = { Map call, File dir -> journalSeen = new File(call.env.ROLLBACK_JOURNAL as String).text }
            answer(h, 0, 'alice', 'carol')
            Object summary = h.call('rollbackUndo', undoArgs(build: '3', credentialsId: 'marathon-deployer'))
            assert journalSeen == '{"build":3}'
            assert order(h, ['copyArtifacts', 'input', 'sh', 'lock']) == ['lock', 'copyArtifacts (on agent)',
                'sh undo --dry-run (on agent)', 'input', 'sh undo (on agent)']
            assert h.callsOf('copyArtifacts')[0].args == [[projectName: 'ops/rollback', selector: [$class: 'specific', buildNumber: '3'],
                filter: JOURNAL, target: 'rollback/prod/undo', flatten: true, optional: true, fingerprintArtifacts: true]]
            Map undo = realRuns(h, 'undo')[0]
            assert undo.locks == ['rollback-prod']
            assert undo.env.ROLLBACK_JOURNAL == h.workspace.path + '/rollback/prod/undo/rollback-journal.json'
            assert undo.env.subMap(['MARATHON_USER', 'MARATHON_PASSWORD', 'ROLLBACK_MARATHON', 'ROLLBACK_APPROVER']) ==
                [MARATHON_USER: 'deployer', MARATHON_PASSWORD: 'mar-pa55!', ROLLBACK_MARATHON: MARATHON, ROLLBACK_APPROVER: 'carol']
            assert h.callsOf('withCredentials')[-1].args == [[[$class: 'usernamePassword', credentialsId: 'marathon-deployer',
                usernameVariable: 'MARATHON_USER', passwordVariable: 'MARATHON_PASSWORD']]]
            assert undo.script.contains('set -- undo --journal "$ROLLBACK_JOURNAL"')
            assert undo.env.ROLLBACK_EXPECT_PLAN == h.workspace.path + '/rollback/prod/undo/undo-dry-run.json'
            Map question = h.callsOf('input')[0].args[0]
            assert question.message.startsWith('Undo the rollback of build #3 on prod? Nothing has changed yet')
            UNDO_PLAN.readLines().each { assert question.message.contains(it) }
            assert question.ok == 'Undo'
            assert summary == 'prod: 2 apps put back (rollback of build #3)'
            assert h.currentBuild.description == summary
            assert h.callsOf('archiveArtifacts')*.args*.getAt(0)*.artifacts == [
                'rollback/prod/undo/undo-dry-run.txt,rollback/prod/undo/undo-dry-run.json',
                'rollback/prod/undo/rollback-undo-journal.json,rollback/prod/undo/rollback-summary.txt']
        }

        suite.check('undo: by default the newest earlier build that archived a journal of this environment (one whose rollback changed something)') { PipelineHarness h ->
            history(h)
            undoHelper(h)
            answer(h, 0)
            h.call('rollbackUndo', undoArgs())
            // #6 archived only a plan nobody confirmed: no journal, so not a rollback that changed something.
            assert h.callsOf('copyArtifacts')*.args*.getAt(0)*.selector*.buildNumber == ['6', '5']
            assert new File(h.workspace, 'rollback/prod/undo/rollback-journal.json').text == '{"build":5}'
            assert h.callsOf('input')[0].args[0].message.startsWith('Undo the rollback of build #5 on prod?')
            h.call('rollbackUndo', undoArgs(environment: 'stage'))
            assert new File(h.workspace, 'rollback/stage/undo/rollback-journal.json').text == '{"build":4}'
        }

        suite.check('undo: a journal copied by an earlier undo in this workspace never passes for the one found') { PipelineHarness h ->
            h.earlierBuilds([6, 5])
            File stale = new File(h.workspace, 'rollback/prod/undo/rollback-journal.json')
            stale.parentFile.mkdirs()
            stale.text = '{"an":"earlier undo"}'
            String message = failure { h.call('rollbackUndo', undoArgs()) }
            assert message.startsWith('rollbackUndo: nothing to undo: none of the 2 builds before this one archived rollback/prod/rollback-journal.json')
            assert h.currentBuild.description.startsWith('prod: nothing to undo (')
            assert h.callsOf('sh').isEmpty() && h.callsOf('input').isEmpty()
        }

        suite.check('undo: build N without a journal is refused by number, asking nothing') { PipelineHarness h ->
            history(h)
            String message = failure { h.call('rollbackUndo', undoArgs(build: 6)) }
            assert message.startsWith('rollbackUndo: nothing to undo: build #6 of this job archived no rollback/prod/rollback-journal.json')
            assert failure { h.call('rollbackUndo', undoArgs(build: 'latest')) } ==
                "rollbackUndo: build: expected the number of an earlier build of this job (got 'latest')"
            assert failure { h.call('rollbackUndo', undoArgs(build: 7)) } ==
                'rollbackUndo: build: #7 is not an earlier build than this one (#7)'
            assert h.callsOf('sh').isEmpty() && h.callsOf('input').isEmpty()
        }

        suite.check('undo: timeout or Abort of the confirmation changes nothing') { PipelineHarness h ->
            history(h)
            FakeHelper fake = undoHelper(h)
            interrupt(h, timeout())
            assert h.call('rollbackUndo', undoArgs()) == null
            interrupt(h, rejectedBy('dave'))
            assert h.call('rollbackUndo', undoArgs()) == null
            assert fake.dryRuns == 2 && fake.runs == 0
            assert h.currentBuild.description == 'prod: undo of the rollback of build #5: not confirmed (dave clicked Abort); nothing changed'
            assert h.currentBuild.result == 'ABORTED'
        }

        suite.check('undo: a changed plan under the lock (exit 4) is shown again before anything is undone') { PipelineHarness h ->
            history(h)
            FakeHelper fake = undoHelper(h, [plans: [UNDO_PLAN, UNDO_PLAN.replace('1.7.0', '1.7.1')], exits: [4, 0]])
            answer(h, 0)
            h.call('rollbackUndo', undoArgs())
            assert h.callsOf('input').size() == 2 && h.callsOf('input')[1].args[0].message.contains('1.7.1-master')
            assert fake.runEnvs*.ROLLBACK_EXPECT_PLAN*.replace(h.workspace.path, '') ==
                ['/rollback/prod/undo/undo-dry-run.json', '/rollback/prod/undo/undo-dry-run-2.json']
        }

        suite.check('undo: the description is set after a Stop during the undo') { PipelineHarness h ->
            history(h)
            undoHelper(h, [duringRun: { Map call, File dir ->
                throw new FlowInterruptedException(hudson.model.Result.ABORTED, stopButton())
            }])
            answer(h, 0)
            try {
                h.call('rollbackUndo', undoArgs())
                assert false : 'the interruption was swallowed'
            } catch (FlowInterruptedException e) {
                assert h.currentBuild.description == 'prod: undo of the rollback of build #5: STOPPED while changing; the ' +
                    'undo record (rollback/prod/undo/rollback-undo-journal.json, archived) says what was put back: run the undo again to finish it'
            }
        }

        suite.check('undo: dryRun shows the undo plan and changes nothing; force and timeoutSeconds reach undo') { PipelineHarness h ->
            history(h)
            FakeHelper fake = undoHelper(h)
            h.call('rollbackUndo', undoArgs(dryRun: true, force: true, timeoutSeconds: 300))
            assert fake.runs == 0 && h.callsOf('input').isEmpty()
            assert dryRuns(h, 'undo')[0].env.subMap(['ROLLBACK_FORCE', 'ROLLBACK_TIMEOUT']) == [ROLLBACK_FORCE: 'true', ROLLBACK_TIMEOUT: '300']
            assert h.currentBuild.description == 'prod: undo of the rollback of build #5: dry run, nothing changed'
        }

        suite.check('undo: takes an agent for the journal and the helper, none while asking') { PipelineHarness h ->
            h.requireNodeContext = true
            history(h)
            undoHelper(h)
            answer(h, 0)
            h.call('rollbackUndo', undoArgs(label: 'linux'))
            assert order(h, ['node', 'copyArtifacts', 'sh', 'input']) == ['node', 'copyArtifacts (on agent)',
                'copyArtifacts (on agent)', 'node', 'sh undo --dry-run (on agent)', 'input', 'node', 'sh undo (on agent)']
            assert h.callsOf('unstash')*.args == [['rollback-undo-journal-prod'], ['rollback-undo-journal-prod'], ['undo-dry-run-prod']]
        }
    }
}
