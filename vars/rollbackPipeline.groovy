// rollbackPipeline: the whole one-button job in one call (see rollbackPipeline.txt). The job gets the
// parameters environment, action (rollback or undo), build (which rollback to undo) and dryRun. A
// rollback holds the environment's lock from the question to the end, and takes an agent only
// around the helper's calls, so no executor is held while people think.

/** Returns the summary, or null when nothing was chosen or confirmed. */
def call(Map config = [:]) {
    List<String> known = rollbackSelectDate.selectKeys() + rollbackRun.runKeys() + rollbackUndo.undoKeys() +
        ['deployTimeoutSeconds']
    rollbackCommon.refuseUnknownKeys('rollbackPipeline', config, known.unique())
    for (String key : ['environment', 'date', 'at', 'build', 'questionTimeoutSeconds']) {
        if (config[key] != null) {
            error("rollbackPipeline: ${key} comes from the build parameters or the questions; " +
                'list the environments with environments:, the wait with timeoutSeconds:')
        }
    }
    Map environments = rollbackCommon.environmentMap('rollbackPipeline', config)
    properties([
        // One build of the job at a time; the lock also keeps other jobs off the environment.
        disableConcurrentBuilds(),
        // Copy Artifact (undo) copies from this job itself; without this it needs every user to see the job.
        copyArtifactPermission('/' + env.JOB_NAME),
        parameters([
            choice(name: 'environment', choices: rollbackCommon.environmentNames(environments),
                description: 'The environment whose services are rolled back'),
            choice(name: 'action', choices: ['rollback', 'undo'],
                description: 'rollback: choose a point, see the plan, confirm. undo: put back what an earlier ' +
                    'build of this job rolled back'),
            string(name: 'build', defaultValue: '', trim: true,
                description: 'undo: the build whose rollback to undo (empty: the newest of this environment ' +
                    'that changed something)'),
            booleanParam(name: 'dryRun', defaultValue: false,
                description: 'Only show what would be done; change nothing'),
        ]),
    ])
    String environment = rollbackCommon.textOf(params.environment)
    if (!environment) {
        // The first build of a new job runs before Jenkins knows the parameters.
        echo('rollbackPipeline: parameters registered; start a rollback with "Build with Parameters"')
        currentBuild.description = 'parameters registered; nothing rolled back'
        return null
    }
    String action = rollbackCommon.textOf(params.action) ?: 'rollback'
    boolean dryRun = rollbackCommon.flag(params.dryRun) == 'true'
    Map common = [environment: environment] + (dryRun ? [dryRun: true] : [:]) +
        (config.timeoutSeconds != null ? [questionTimeoutSeconds: config.timeoutSeconds] : [:]) +
        (config.deployTimeoutSeconds != null ? [timeoutSeconds: config.deployTimeoutSeconds] : [:])
    if (action == 'undo') {
        Map undoConfig = pick(config, rollbackUndo.undoKeys() - ['timeoutSeconds']) + common +
            [build: rollbackCommon.textOf(params.build)]
        return rollbackUndo(undoConfig)
    }
    if (action != 'rollback') {
        error("rollbackPipeline: action: expected rollback or undo, not '${action}'")
    }
    Map selectConfig = pick(config, rollbackSelectDate.selectKeys()) + [environment: environment]
    Map runConfig = pick(config, rollbackRun.runKeys() - ['timeoutSeconds']) + common
    // From the question to the end: nobody else's rollback of this environment can come in between.
    return rollbackCommon.withEnvironmentLock(environment) {
        String point = rollbackSelectDate(selectConfig)
        return point == null ? null : rollbackRun(runConfig)
    }
}

Map pick(Map config, List<String> keys) {
    Map out = [:]
    for (String key : keys) {
        if (config.containsKey(key)) {
            out[key] = config[key]
        }
    }
    return out
}
