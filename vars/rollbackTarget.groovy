import com.cloudbees.groovy.cps.NonCPS

// rollbackTarget: where the services of an environment run (plain Marathon, DC/OS or Kubernetes),
// how the helper logs in there, and the helper flags for it (see rollbackTarget.txt). Shared by
// rollbackSelectDate (status/history), rollbackRun and rollbackUndo, so they take the same arguments.
// Same rules as rollbackCommon: values via withEnv, secrets via withCredentials, constant scripts.

/** Not a step: a typo'd Jenkinsfile that calls it learns which steps there are. */
def call(Map ignored = [:]) {
    error('rollbackTarget holds the target arguments the rollback steps share; call rollbackPipeline, ' +
        'rollbackSelectDate, rollbackRun or rollbackUndo')
}

List<String> targetKeys() {
    return ['marathon', 'dcos', 'kubernetes', 'group', 'namespace', 'namespaces', 'context', 'selector',
            'credentialsId', 'serviceAccountCredentialsId', 'serviceAccountKeyCredentialsId', 'serviceAccountId',
            'kubeconfigCredentialsId', 'caFile', 'insecure']
}

boolean hasTarget(Map config) {
    return rollbackCommon.textOf(config.marathon) || rollbackCommon.textOf(config.dcos) ||
        rollbackCommon.flag(config.kubernetes) == 'true'
}

/** Validates the target arguments; errors name the argument and what to pass instead. */
Map targetSettings(String step, Map config, String environment) {
    Map t = [marathon: rollbackCommon.textOf(config.marathon), dcos: rollbackCommon.textOf(config.dcos),
             kubernetes: rollbackCommon.flag(config.kubernetes), group: '', namespace: '', context: '',
             selector: '', caFile: rollbackCommon.textOf(config.caFile), insecure: rollbackCommon.flag(config.insecure)]
    int kinds = (t.marathon ? 1 : 0) + (t.dcos ? 1 : 0) + (t.kubernetes ? 1 : 0)
    if (kinds != 1) {
        error("${step}: pass exactly one of marathon: (plain Marathon URL), dcos: (DC/OS cluster URL) " +
            'or kubernetes: true')
    }
    for (String key : ['credentialsId', 'serviceAccountCredentialsId', 'serviceAccountKeyCredentialsId',
                       'serviceAccountId', 'kubeconfigCredentialsId']) {
        t[key] = rollbackCommon.textOf(config[key])
    }
    // A Marathon argument with Kubernetes (or the reverse) is a mistake worth a sentence, not silence.
    List<String> marathonOnly = ['group', 'credentialsId', 'serviceAccountCredentialsId',
                                 'serviceAccountKeyCredentialsId', 'serviceAccountId']
    List<String> kubernetesOnly = ['namespace', 'namespaces', 'context', 'selector', 'kubeconfigCredentialsId']
    String misplaced = firstPresent(config, t.kubernetes ? marathonOnly : kubernetesOnly)
    if (misplaced != null) {
        error("${step}: ${misplaced}: only with ${t.kubernetes ? 'marathon: or dcos:' : 'kubernetes: true'}")
    }
    return t.kubernetes ? kubernetesSettings(step, config, environment, t) :
        marathonSettings(step, config, environment, t)
}

Map kubernetesSettings(String step, Map config, String environment, Map t) {
    if (config.namespaces != null && !(config.namespaces instanceof Map)) {
        error("${step}: namespaces: expected a map of environment to namespace, e.g. [dev: 'shop-dev', prod: 'shop']")
    }
    // The namespace is the environment (the analogue of a Marathon group): explicit, from the map, or its name.
    String namespace = rollbackCommon.textOf(config.namespace) ?:
        rollbackCommon.textOf(rollbackCommon.valueOf(config.namespaces, environment)) ?: environment
    if (!isNamespace(namespace)) {
        error("${step}: namespace: '${namespace}' is not a Kubernetes namespace (lower-case letters, digits, -)")
    }
    t.namespace = namespace
    t.context = rollbackCommon.textOf(config.context)
    if (t.context && !isContext(t.context)) {
        error("${step}: context: '${t.context}' is not a kubeconfig context name")
    }
    t.selector = rollbackCommon.textOf(config.selector)
    if (t.selector && !isSelector(t.selector)) {
        error("${step}: selector: expected a label selector such as app.kubernetes.io/part-of=shop " +
            "(got '${t.selector}')")
    }
    return t
}

Map marathonSettings(String step, Map config, String environment, Map t) {
    String name = t.marathon ? 'marathon' : 'dcos'
    String url = t.marathon ?: t.dcos
    if (rollbackCommon.hasUserInfo(url)) {
        error("${step}: ${name}: the URL carries a user name or password; pass them as credentialsId instead")
    }
    if (!rollbackCommon.isHttpUrl(url)) {
        error("${step}: ${name}: expected a URL like https://${name}.example.com (got '${url}')")
    }
    t.group = rollbackCommon.textOf(config.group) ?: '/ds/' + environment
    if (!isGroup(t.group)) {
        error("${step}: group: expected a Marathon group path like /ds/${environment} (got '${t.group}')")
    }
    int forms = (t.credentialsId ? 1 : 0) + (t.serviceAccountCredentialsId ? 1 : 0) +
        (t.serviceAccountKeyCredentialsId || t.serviceAccountId ? 1 : 0)
    if (forms > 1) {
        error("${step}: pass one kind of credentials: credentialsId: (user and password), " +
            'serviceAccountCredentialsId: (SSH key credential) or ' +
            'serviceAccountKeyCredentialsId: with serviceAccountId:')
    }
    if ((t.serviceAccountCredentialsId || t.serviceAccountKeyCredentialsId) && !t.dcos) {
        error("${step}: DC/OS service accounts need dcos: (they log in to DC/OS, not to plain Marathon)")
    }
    if (!t.serviceAccountKeyCredentialsId != !t.serviceAccountId) {
        error("${step}: serviceAccountKeyCredentialsId: (a Secret file with the account's private key) and " +
            'serviceAccountId: (the account name) go together')
    }
    if (t.serviceAccountId && !isAccountId(t.serviceAccountId)) {
        error("${step}: serviceAccountId: '${t.serviceAccountId}' is not a DC/OS service account ID")
    }
    return t
}

/** The target as the helper's variables (targetArgsScript() turns them into flags). */
List<String> targetVars(Map t) {
    List<String> vars = ['ROLLBACK_MARATHON=' + t.marathon, 'ROLLBACK_DCOS=' + t.dcos,
        'ROLLBACK_KUBERNETES=' + t.kubernetes, 'ROLLBACK_GROUP=' + t.group, 'ROLLBACK_NAMESPACE=' + t.namespace,
        'ROLLBACK_CONTEXT=' + t.context, 'ROLLBACK_SELECTOR=' + t.selector, 'ROLLBACK_CA_FILE=' + t.caFile,
        'ROLLBACK_INSECURE=' + t.insecure]
    if (t.serviceAccountId) {
        // An account name is no secret; its key file comes from withCredentials.
        vars.add('DCOS_SERVICE_ACCOUNT_ID=' + t.serviceAccountId)
    }
    return vars
}

/** The target's credentials, bound as the variables the helper reads. */
List targetBindings(Map t) {
    List bindings = []
    if (t.credentialsId) {
        String prefix = t.dcos ? 'DCOS' : 'MARATHON'
        bindings.add(usernamePassword(credentialsId: t.credentialsId, usernameVariable: prefix + '_USER',
            passwordVariable: prefix + '_PASSWORD'))
    }
    if (t.serviceAccountCredentialsId) {
        bindings.add(sshUserPrivateKey(credentialsId: t.serviceAccountCredentialsId,
            usernameVariable: 'DCOS_SERVICE_ACCOUNT_ID', keyFileVariable: 'DCOS_SERVICE_ACCOUNT_KEY_FILE'))
    }
    if (t.serviceAccountKeyCredentialsId) {
        bindings.add(file(credentialsId: t.serviceAccountKeyCredentialsId, variable: 'DCOS_SERVICE_ACCOUNT_KEY_FILE'))
    }
    if (t.kubeconfigCredentialsId) {
        bindings.add(file(credentialsId: t.kubeconfigCredentialsId, variable: 'KUBECONFIG'))
    }
    return bindings
}

/** Marathon, DC/OS or Kubernetes, and TLS (joined into the steps' scripts). */
String targetArgsScript() {
    return '''if [ -n "$ROLLBACK_MARATHON" ]; then set -- "$@" --marathon "$ROLLBACK_MARATHON"; fi
if [ -n "$ROLLBACK_DCOS" ]; then set -- "$@" --dcos "$ROLLBACK_DCOS"; fi
if [ "$ROLLBACK_KUBERNETES" = true ]; then set -- "$@" --kubernetes; fi
if [ -n "$ROLLBACK_CONTEXT" ]; then set -- "$@" --context "$ROLLBACK_CONTEXT"; fi
if [ -n "$ROLLBACK_CA_FILE" ]; then set -- "$@" --ca-file "$ROLLBACK_CA_FILE"; fi
if [ "$ROLLBACK_INSECURE" = true ]; then set -- "$@" --insecure; fi
'''
}

/** Which workloads: the Marathon group, or the Kubernetes namespace (and selector). */
String workloadArgsScript() {
    return '''if [ -n "$ROLLBACK_GROUP" ]; then set -- "$@" --group "$ROLLBACK_GROUP"; fi
if [ -n "$ROLLBACK_NAMESPACE" ]; then set -- "$@" --namespace "$ROLLBACK_NAMESPACE"; fi
if [ -n "$ROLLBACK_SELECTOR" ]; then set -- "$@" --selector "$ROLLBACK_SELECTOR"; fi
'''
}

// ---- pure helpers: no step calls, so @NonCPS is allowed ----

@NonCPS
boolean isGroup(String value) {
    return value ==~ /(\/[a-z0-9][a-z0-9.-]*)+/
}

@NonCPS
boolean isNamespace(String value) {
    return value ==~ /[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?/
}

@NonCPS
boolean isContext(String value) {
    return value ==~ /[A-Za-z0-9][A-Za-z0-9_.:@\/-]{0,252}/
}

@NonCPS
boolean isSelector(String value) {
    return value ==~ /[A-Za-z0-9_.\/=!,() -]{1,1024}/
}

@NonCPS
boolean isAccountId(String value) {
    return value ==~ /[A-Za-z0-9][A-Za-z0-9_.@-]{0,127}/
}

/** The first of `keys` given a value (false and '' count as not given). */
@NonCPS
String firstPresent(Map config, List<String> keys) {
    for (String key : keys) {
        String text = config[key] == null ? '' : config[key].toString().trim()
        if (text && text != 'false') {
            return key
        }
    }
    return null
}
