package hudson

/** Stub of hudson.AbortException: what `error` and a failing `sh` throw in Jenkins. */
class AbortException extends IOException {
    AbortException(String message) {
        super(message)
    }
}
