package org.jenkinsci.plugins.workflow.support.steps.input

import hudson.model.User
import jenkins.model.CauseOfInterruption

/**
 * Stub of pipeline-input-step's Rejection: someone clicked Abort on an `input`. Input-step plugins
 * before 495.x also used it for a fired timeout, with the user SYSTEM.
 */
class Rejection extends CauseOfInterruption {
    final User user
    final long timestamp = System.currentTimeMillis()

    Rejection(User user) {
        this.user = user
    }

    String getShortDescription() {
        "Rejected by ${user?.fullName ?: 'unknown'}"
    }
}
