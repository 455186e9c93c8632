package hudson.model

/** Stub of hudson.model.User: an id and a display name; toString() is the full name as in Jenkins. */
class User implements Serializable {
    final String id
    final String fullName

    User(String id, String fullName = null) {
        this.id = id
        this.fullName = fullName ?: id
    }

    String toString() {
        fullName
    }
}
