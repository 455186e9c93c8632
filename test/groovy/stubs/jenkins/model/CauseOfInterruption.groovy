package jenkins.model

/** Stub of jenkins.model.CauseOfInterruption with its UserInterruption (the build's Stop button). */
abstract class CauseOfInterruption implements Serializable {
    abstract String getShortDescription()

    static class UserInterruption extends CauseOfInterruption {
        final String userId

        UserInterruption(String userId) {
            this.userId = userId
        }

        String getShortDescription() {
            "Aborted by ${userId}"
        }
    }
}
