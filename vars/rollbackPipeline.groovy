// rollbackPipeline: the whole one-button job in one call (see rollbackPipeline.txt). The job gets an
// `environment` choice parameter and a `dryRun` checkbox; a build reads the registry on an agent,
// asks for the date WITHOUT holding an executor, then rolls back on an agent.

/** Returns the rollback summary, or null when nobody chose a date. */
def call(Map config = [:]) {
    List<String> known = rollbackSelectDate.selectKeys() + rollbackRun.runKeys() + ['label']
    rollbackSelectDate.refuseUnknownKeys('rollbackPipeline', config, known.unique())
    if (config.environment != null) {
        error('rollbackPipeline: environment comes from the build parameter; list the choices with environments:')
    }
    Map environments = rollbackSelectDate.environmentMap('rollbackPipeline', config)
    properties([parameters([
        choice(name: 'environment', choices: rollbackSelectDate.environmentNames(environments),
            description: 'The environment whose services are rolled back'),
        booleanParam(name: 'dryRun', defaultValue: false,
            description: 'Only show what would be rolled back; change nothing'),
    ])])
    String environment = rollbackSelectDate.textOf(params.environment)
    if (!environment) {
        // The first build of a new job runs before Jenkins knows the parameters.
        echo('rollbackPipeline: parameters registered; start the rollback with "Build with Parameters"')
        currentBuild.description = 'parameters registered; nothing rolled back'
        return null
    }
    String label = rollbackSelectDate.textOf(config.label)
    Map selectConfig = pick(config, rollbackSelectDate.selectKeys()) + [environment: environment]
    List<String> dates = null
    onAgent(label) {
        dates = rollbackSelectDate.discover(selectConfig)
    }
    String date = rollbackSelectDate.ask(selectConfig, dates)
    if (date == null) {
        currentBuild.description = "${environment}: no date chosen, nothing rolled back"
        currentBuild.result = 'ABORTED'
        return null
    }
    Map runConfig = pick(config, rollbackRun.runKeys()) + [environment: environment, date: date]
    if (params.dryRun == true || params.dryRun?.toString() == 'true') {
        runConfig.dryRun = true
    }
    String summary = null
    onAgent(label) {
        summary = rollbackRun(runConfig)
    }
    return summary
}

def onAgent(String label, Closure body) {
    if (label) {
        return node(label) {
            body()
        }
    }
    return node {
        body()
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
