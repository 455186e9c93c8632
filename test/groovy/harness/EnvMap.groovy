/**
 * The `env` global as Jenkins implements it (workflow-cps EnvActionImpl): a value set is stored as
 * String.valueOf(value), so `env.X = null` stores the string "null". The harness keeps that, so a
 * var that assigns null shows up in the checks.
 */
class EnvMap extends LinkedHashMap<String, Object> {
    @Override
    Object put(String key, Object value) {
        super.put(key, String.valueOf(value))
    }
}
