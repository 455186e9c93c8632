package org.jenkinsci.plugins.workflow.steps

import jenkins.model.CauseOfInterruption

/** Stub of workflow-basic-steps' TimeoutStepExecution: only the cause a fired `timeout` interrupts its body with. */
class TimeoutStepExecution {
    static final class ExceededTimeout extends CauseOfInterruption {
        final String nodeId

        ExceededTimeout(String nodeId = null) {
            this.nodeId = nodeId
        }

        String getShortDescription() {
            'Timeout has been exceeded'
        }
    }
}
