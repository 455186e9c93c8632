/**
 * Binds a loaded vars script the way Jenkins exposes a global variable: `name(args)` runs its
 * call(), and `name.method(args)` (from another var) runs that method. A Script in the binding would
 * not do: Script falls back only to Closure-valued binding variables for `name(args)`.
 */
class VarProxy extends Closure {
    final Script script

    VarProxy(Script script) {
        super(script, script)
        this.script = script
        // Unknown methods on a Closure go to its owner/delegate: the var's own methods.
        resolveStrategy = Closure.DELEGATE_ONLY
    }

    Object doCall() {
        script.invokeMethod('call', [] as Object[])
    }

    Object doCall(Map config) {
        script.invokeMethod('call', [config] as Object[])
    }
}
