package hudson.model

/** Stub of hudson.model.Result (only the constants an interruption carries). */
class Result implements Serializable {
    static final Result SUCCESS = new Result('SUCCESS')
    static final Result FAILURE = new Result('FAILURE')
    static final Result NOT_BUILT = new Result('NOT_BUILT')
    static final Result ABORTED = new Result('ABORTED')

    final String name

    private Result(String name) {
        this.name = name
    }

    String toString() {
        name
    }
}
