"""Drives a Marathon (here: the emulator) with Debian's python3-marathon, a client nobody in this
project wrote, and prints what it saw as one JSON object. Usage: python3 this.py URL APP_ID."""

import json
import sys

from marathon import MarathonClient

url, app_id = sys.argv[1], sys.argv[2]
client = MarathonClient(url)
seen = {"apps": sorted(app.id for app in client.list_apps())}

def count():
    return len(client.list_versions(app_id))

seen["listed"] = client.list_versions(app_id)
seen["counts"] = {"start": count()}
first = min(seen["listed"])  # the client returns the list as the server sends it

# A configuration change: read the app, change an environment variable, send it back.
app = client.get_app(app_id)
seen["version_is_listed"] = app.version in seen["listed"]
app.env["LOG_LEVEL"] = "debug"
seen["update_reply"] = sorted(client.update_app(app_id, app, force=True))
seen["counts"]["after_config"] = count()

# A scale: only the number of instances changes.
app = client.get_app(app_id)
app.instances = app.instances + 1
client.update_app(app_id, app, force=True)
seen["counts"]["after_scale"] = count()
scaled = client.get_app(app_id)

def instant(value):
    """The client parses versionInfo into datetimes but leaves `version` a string."""
    return value.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


seen["scaled_version_info"] = {
    "version": scaled.version,
    "last_scaling_at": instant(scaled.version_info.last_scaling_at),
    "last_config_change_at": instant(scaled.version_info.last_config_change_at),
}

# The oldest version still answers the definition of then.
old = client.get_version(app_id, first)
seen["first"] = {
    "version": first,
    "env": old.env,
    "instances": old.instances,
    "image": old.container.docker.image,
}

# Many scales: the history stays bounded.
for i in range(60):
    app = client.get_app(app_id)
    app.instances = 2 + i % 2
    client.update_app(app_id, app, force=True)
seen["counts"]["after_many"] = count()
seen["oldest_kept"] = min(client.list_versions(app_id))

print(json.dumps(seen, default=str))
