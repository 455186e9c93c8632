// Marathon's AppDefinition schema as the emulator checks it: the copied file (releases/1.7) with its
// defects repaired and the fields of later releases added. Used when the validator is generated.
const rawSchema = require('../src/sandbox/marathon/schema/AppDefinition.1.7.json');

/**
 * The schema as shipped has defects that ajv's strict mode rightly reports (see
 * src/sandbox/marathon/schema/README.md). They are repaired here, on a copy, so that strict mode
 * stays on for everything else.
 */
function repairedAppDefinitionSchema() {
  const schema = structuredClone(rawSchema);
  const props = schema.properties;
  const executorResources = props.executorResources;
  executorResources.properties = {
    cpus: executorResources.cpus,
    mem: executorResources.mem,
    disk: executorResources.disk,
  };
  delete executorResources.cpus;
  delete executorResources.mem;
  delete executorResources.disk;
  const command = props.healthChecks.items.properties.command;
  Object.assign(command, command.items);
  delete command.items;
  for (const field of Object.values(props.residency.properties ?? {})) delete field.additionalProperties;
  // Fields Marathon 1.8-1.11 added (master RAML v2/types/app.raml, appContainer.raml). Without them a
  // definition from a current cluster would silently lose e.g. `role` on the next merge. Type-checked only.
  props.tty = { type: 'boolean' };
  props.role = { type: 'string', minLength: 1 };
  props.check = { type: 'object' };
  props.resourceLimits = { type: 'object' };
  props.container.properties.linuxInfo = { type: 'object' };
  // The unversioned "http://json-schema.org/schema#" is draft-04 in practice; nothing in the file needs a
  // draft-04-only keyword, so ajv's default draft-07 vocabulary reads it the same way.
  delete schema.$schema;
  return schema;
}

module.exports = { repairedAppDefinitionSchema };
