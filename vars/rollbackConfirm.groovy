import com.cloudbees.groovy.cps.NonCPS
import org.jenkinsci.plugins.workflow.steps.FlowInterruptedException
import org.jenkinsci.plugins.workflow.steps.TimeoutStepExecution
import org.jenkinsci.plugins.workflow.support.steps.input.Rejection

// rollbackConfirm: how the steps ask people, and the one path from a plan to a change that
// rollbackRun and rollbackUndo share (see rollbackConfirm.txt): the helper's dry run, its plan shown
// verbatim in a question, then the real run told to expect exactly that plan (--expect-plan), all
// under the environment lock. The helper decides what the plan is and whether it still holds; this
// var only shows, asks, passes the answer on, and tells the build what happened.

/** Not a step: a typo'd Jenkinsfile that calls it learns which steps there are. */
def call(Map ignored = [:]) {
    error('rollbackConfirm holds how the rollback steps ask; call rollbackPipeline, rollbackSelectDate, ' +
        'rollbackRun or rollbackUndo')
}

/**
 * Asks `question` (an input map) and waits up to `seconds`. Returns [answer: value] or, when the time
 * ran out or someone clicked Abort, [unanswered: why] after saying so in the log. The build's Stop
 * button and every other error are rethrown.
 */
Map ask(String step, Map question, int seconds) {
    try {
        def answer = timeout(time: seconds, unit: 'SECONDS') {
            input(question)
        }
        return [answer: answer]
    } catch (FlowInterruptedException e) {
        String why = unansweredBecause(e, seconds)
        if (why == null) {
            throw e // the build's Stop button or any other interruption: the build must stop
        }
        echo("${step}: ${why}; nothing changes")
        return [unanswered: why]
    }
}

/**
 * Dry run, confirmation, real run, under the environment lock. `job`:
 *   step, environment, label, what ('prod to 2026-11-13'), done ('prod rolled back to 2026-11-13'),
 *   question ('Roll back prod to 2026-11-13?'),
 *   ok (button), inputId, dir (workspace-relative folder of its files), planName (file base name),
 *   confirm, dryRun, submitter, questionSeconds, approver, afterStop (what to do after a Stop),
 *   prepare: Closure run on the agent before each helper call (catalog, journal),
 *   helper: Closure(Map phase) -> exit code, runs the helper with phase.vars added to its variables,
 *   afterRun: Closure -> the helper's summary line or '', run in a finally after the real run (archive).
 * Returns the summary, or null when nobody confirmed. Sets the build description in a finally,
 * so also after the Stop button.
 */
def apply(Map job) {
    Map state = [summary: null, changing: false, result: null]
    try {
        rollbackCommon.withEnvironmentLock(job.environment) {
            state.result = confirmAndRun(job, state)
        }
    } finally {
        currentBuild.description = state.summary ?: endedEarly(job, state.changing)
    }
    return state.result
}

def confirmAndRun(Map job, Map state) {
    if (!job.confirm && !job.dryRun) {
        // Automation: nobody is shown a plan, so there is none to hold the run to.
        return realRun(job, state, '', job.approver)
    }
    // A plan that changes under the lock is shown again; an environment that keeps changing stops.
    int maxPlans = 3
    for (int attempt = 1; attempt <= maxPlans; attempt++) {
        Map planned = dryRun(job, attempt)
        if (planned.status != 0) {
            state.summary = "${job.what}: the dry run failed (exit ${planned.status}); nothing changed"
            error("${job.step}: the dry run failed: ${rollbackCommon.failureMeaning(planned.status)}")
        }
        if (job.dryRun) {
            state.summary = "${job.what}: dry run, nothing changed${approvedBy(job.approver)}"
            echo("${job.step}: ${state.summary}")
            return state.summary
        }
        Map question = [id: job.inputId + attempt, ok: job.ok, submitterParameter: 'ROLLBACK_APPROVER',
                        message: questionText(job, attempt, planned.text)]
        if (job.submitter) {
            question.submitter = job.submitter
        }
        Map reply = ask(job.step, question, job.questionSeconds)
        if (reply.containsKey('unanswered')) {
            state.summary = "${job.what}: not confirmed (${reply.unanswered}); nothing changed"
            currentBuild.result = 'ABORTED'
            return null
        }
        // The approver recorded is the one who confirmed this plan.
        String approver = approverOf(reply.answer) ?: job.approver
        env.ROLLBACK_APPROVER = approver
        String summary = realRun(job, state, planned.json, approver)
        if (summary != null) {
            return summary
        }
        echo("${job.step}: the environment changed since the plan was shown; nothing was changed. " +
            (attempt < maxPlans ? 'Asking again with the new plan.' : 'Stopping.'))
    }
    state.summary = "${job.what}: not done: the environment kept changing while its plan was being confirmed " +
        "(${maxPlans} plans); nothing changed"
    error("${job.step}: ${state.summary}")
}

/** Runs the dry run on an agent; returns [status:, text: the plan as printed, json: its saved file]. */
Map dryRun(Map job, int attempt) {
    String base = job.dir + '/' + job.planName + (attempt > 1 ? '-' + attempt : '')
    Map out = [status: -1, text: '', json: base + '.json']
    rollbackCommon.onAgent(job.label) {
        job.prepare.call()
        String workspace = pwd() + '/'
        try {
            out.status = job.helper.call([label: 'dry run', vars: ['ROLLBACK_DRY_RUN=true',
                'ROLLBACK_SAVE_PLAN=' + workspace + out.json, 'ROLLBACK_PLAN_TEXT=' + workspace + base + '.txt',
                'ROLLBACK_EXPECT_PLAN=', 'ROLLBACK_APPROVER=' + (job.approver ?: '')]])
            out.text = fileExists(base + '.txt') ? readFile(file: base + '.txt', encoding: 'UTF-8') : ''
            if (out.status == 0 && !job.dryRun) {
                if (!fileExists(out.json)) {
                    error("${job.step}: the dry run saved no plan (${out.json}); is resources/rollback/rollback.cjs " +
                        'from this version of the library?')
                }
                // The real run may get another agent; the plan it must match travels with the build.
                stash(name: planStash(job), includes: out.json)
            }
        } finally {
            // Archived also when nobody confirms: what people were shown stays with the build.
            archiveArtifacts(artifacts: base + '.txt,' + out.json, allowEmptyArchive: true)
        }
    }
    return out
}

/**
 * The real run on an agent. Returns its summary, or null when the helper found the plan changed
 * (exit 4: nothing was changed). Fails the build on any other failure, after afterRun archived.
 */
String realRun(Map job, Map state, String expectedPlan, String approver) {
    int status = -1
    String summary = ''
    rollbackCommon.onAgent(job.label) {
        job.prepare.call()
        if (expectedPlan) {
            unstash(planStash(job))
        }
        List<String> vars = ['ROLLBACK_DRY_RUN=', 'ROLLBACK_SAVE_PLAN=', 'ROLLBACK_PLAN_TEXT=',
            'ROLLBACK_EXPECT_PLAN=' + (expectedPlan ? pwd() + '/' + expectedPlan : ''),
            'ROLLBACK_APPROVER=' + (approver ?: '')]
        state.changing = true
        try {
            status = job.helper.call([label: 'change', vars: vars])
        } finally {
            // Also after a failure or the build's Stop button: the journal is what undo needs.
            summary = job.afterRun.call() ?: ''
            state.summary = summary ?: null
        }
    }
    if (status == 4) {
        state.changing = false
        state.summary = null
        return null
    }
    state.summary = summary ?: fallbackSummary(job, status, approver)
    if (status != 0) {
        error("${job.step}: ${rollbackCommon.failureMeaning(status)}. ${state.summary}")
    }
    echo("${job.step}: ${state.summary}")
    return state.summary
}

// ---- pure helpers: no step calls, so @NonCPS is allowed ----

@NonCPS
String planStash(Map job) {
    return job.planName + '-' + job.environment
}

@NonCPS
String questionText(Map job, int attempt, String plan) {
    String changed = attempt > 1 ? 'The environment changed since the last plan was shown, and nothing was ' +
        'changed. This is the new plan. ' : ''
    return "${changed}${job.question} Nothing has changed yet; this is what will happen:\n\n${(plan ?: '').trim()}"
}

@NonCPS
String approverOf(def answer) {
    def who = answer instanceof Map ? answer.ROLLBACK_APPROVER : answer
    return who == null ? '' : who.toString().trim()
}

@NonCPS
String approvedBy(String approver) {
    return approver ? " (approved by ${approver})" : ''
}

/** When the helper wrote no summary line (it failed before, or is older than this library). */
@NonCPS
String fallbackSummary(Map job, int status, String approver) {
    if (status == 0) {
        return "${job.done}${approvedBy(approver)}"
    }
    return "${job.what}: FAILED (exit ${status})${approvedBy(approver)}; see the log"
}

/** The description when the step ended without a summary: an error, or the build's Stop button. */
@NonCPS
String endedEarly(Map job, boolean changing) {
    if (!changing) {
        return "${job.what}: ended before any change (see the log); nothing changed"
    }
    return "${job.what}: STOPPED while changing; ${job.afterStop}"
}

/**
 * Why a question ended without an answer, or null when it was something else (the build's Stop
 * button above all), which must be rethrown. Reads e.causes and Rejection.user: a trusted library
 * may; an untrusted one needs both signatures approved (README).
 */
@NonCPS
String unansweredBecause(FlowInterruptedException e, int timeoutSeconds) {
    List causes = e.causes
    if (!causes) {
        return null
    }
    String why = null
    for (def cause : causes) {
        if (cause instanceof TimeoutStepExecution.ExceededTimeout) {
            why = "nobody answered within ${timeoutSeconds} s"
        } else if (cause instanceof Rejection) {
            def user = cause.user
            // Input-step plugins before 495.x report a fired timeout as a rejection by SYSTEM.
            if (user == null || user.id == 'SYSTEM' || user.toString() == 'SYSTEM') {
                why = "nobody answered within ${timeoutSeconds} s"
            } else {
                why = "${user.id} clicked Abort"
            }
        } else {
            return null
        }
    }
    return why
}
