package org.jenkinsci.plugins.workflow.steps

import hudson.model.Result
import jenkins.model.CauseOfInterruption

/** Stub of workflow-step-api's FlowInterruptedException: a result plus the causes of the interruption. */
class FlowInterruptedException extends InterruptedException {
    final Result result
    final List<CauseOfInterruption> causes

    FlowInterruptedException(Result result, CauseOfInterruption... causes) {
        this.result = result
        this.causes = Arrays.asList(causes)
    }

    String getMessage() {
        causes*.shortDescription.join(', ')
    }
}
