"""Chaos scenarios: reading a scenario file and the camfleetd configuration it implies.

A scenario file is {"description", "camsim", "camfleet", "run"}: "camsim" is a
camsim scenario as is, "camfleet" holds the daemon's settings (its "defaults",
per-subnet "subnets" and per-camera "cameras" overrides), "run" what the runner
does and expects. See README.md in this directory.
"""
import ipaddress
import json
import os
import re

# Behaviours after which a camera never sees (or never processes) our TEARDOWN:
# its sessions end by their timeout, so invariants 1 (sessions), 2 and 3 cannot
# be asked of the daemon there.
SILENT_KINDS = {"blackhole", "stall_after_play", "drop_after"}
# Behaviours that lose a TEARDOWN when the camera switches to them while a
# session is open (timeline or flapping): a reset kills the connection that
# would carry it, a changed password answers it 401.
BREAKING_SWITCH_KINDS = {"reset", "auth_rejected"}
# Behaviours of a camera the daemon must capture every time.
HEALTHY_KINDS = {"healthy", "tplink_sdp"}

# camfleetd's defaults (config/fleet_config.hpp, camera/stream_endpoint.hpp).
DEFAULT_TEARDOWN_MS = 1000
DEFAULT_DEADLINE_MS = 60000
DEFAULT_INTERVAL_MS = 15000


class ScenarioError(Exception):
    pass


def require_loopback(host):
    if not ipaddress.ip_address(host).is_loopback:
        raise ScenarioError(f"{host} is not a loopback address; the chaos runner talks to "
                            "loopback only")


def behaviour_kinds(behaviour):
    """The kinds a behaviour can put in force (both sides of a flapping one)."""
    if isinstance(behaviour, str):
        return {behaviour}
    kind = behaviour.get("kind", "healthy")
    if kind == "flapping":
        return behaviour_kinds(behaviour.get("a", "healthy")) | \
            behaviour_kinds(behaviour.get("b", "healthy"))
    return {kind}


# --- the scenario -----------------------------------------------------------

class Scenario:
    """A chaos scenario file: {"description", "camsim", "camfleet", "run"}."""

    def __init__(self, path, overrides):
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
        for key in ("camsim", "run"):
            if key not in data:
                raise ScenarioError(f"{path}: \"{key}\" is required")
        unknown = set(data) - {"description", "camsim", "camfleet", "run"}
        if unknown:
            raise ScenarioError(f"{path}: unknown keys {sorted(unknown)}")
        self.name = os.path.splitext(os.path.basename(path))[0]
        self.description = data.get("description", "")
        self.camsim = data["camsim"]
        self.camfleet = data.get("camfleet", {})
        self.run = dict(data["run"])
        self.run.update({k: v for k, v in overrides.items() if v is not None})
        unknown = set(self.run) - {"patrols", "min_seconds", "max_seconds", "holds", "recover",
                                   "failures", "expect_counters", "leak_check", "soak",
                                   "total_patrols", "report_every"}
        if unknown:
            raise ScenarioError(f"{path}: $.run: unknown keys {sorted(unknown)}")

        self.cameras = {}   # id -> camsim camera object
        self.subnet_of = {}  # camera id -> subnet name
        for subnet in self.camsim["subnets"]:
            for camera in subnet["cameras"]:
                self.cameras[camera["id"]] = camera
                self.subnet_of[camera["id"]] = subnet["name"]
        self.subnets = [s["name"] for s in self.camsim["subnets"]]

        # Every kind each camera will ever have, from its start and the timeline,
        # and the kinds it switches to while running.
        self.kinds = {}
        switched = {cid: set() for cid in self.cameras}
        for cid, camera in self.cameras.items():
            behaviour = camera.get("behaviour", "healthy")
            self.kinds[cid] = behaviour_kinds(behaviour)
            if isinstance(behaviour, dict) and behaviour.get("kind") == "flapping":
                switched[cid] |= self.kinds[cid]
        for event in self.camsim.get("timeline", []):
            targets = self.cameras if event["camera"] == "*" else [event["camera"]]
            for cid in targets:
                if cid not in self.cameras:
                    raise ScenarioError(f"{path}: timeline names unknown camera {cid}")
                self.kinds[cid] |= behaviour_kinds(event["behaviour"])
                switched[cid] |= behaviour_kinds(event["behaviour"])

        self.holds = self.run.get("holds", [])
        held = {h["camera"] for h in self.holds}
        for cid in held | set(self.run.get("recover", {})) | set(self.run.get("failures", {})) \
                | set(self.run.get("expect_counters", {})):
            if cid not in self.cameras:
                raise ScenarioError(f"{path}: $.run names unknown camera {cid}")
        # Cameras that may lose a TEARDOWN through their own fault: exempt from
        # the session parts of invariants 1, 2 and 3 (never from the rest).
        self.silent = {cid for cid, kinds in self.kinds.items()
                       if kinds & SILENT_KINDS or switched[cid] & BREAKING_SWITCH_KINDS}
        # A camera the runner holds, or that the daemon's configuration gets
        # wrong ("failures"), is not healthy from the daemon's side.
        expected_to_fail = set(self.run.get("failures", {}))
        self.healthy = {cid for cid, kinds in self.kinds.items()
                        if kinds <= HEALTHY_KINDS and cid not in held | expected_to_fail}

    def patrols(self):
        return int(self.run.get("patrols", 5))


def camfleet_config(scenario, api_cameras, work_dir):
    """The camfleetd configuration for the fleet camsim is serving."""
    overrides = scenario.camfleet
    config = {
        "snapshot_dir": os.path.join(work_dir, "snapshots"),
        "patrol_log": os.path.join(work_dir, "patrols.jsonl"),
        "log": overrides.get("log", {"level": "info", "format": "text"}),
        "defaults": overrides.get("defaults", {}),
        "subnets": [],
    }
    subnet_extra = overrides.get("subnets", {})
    camera_extra = overrides.get("cameras", {})
    for subnet in scenario.camsim["subnets"]:
        entry = {"name": subnet["name"]}
        entry.update(subnet_extra.get(subnet["name"], {}))
        entry["cameras"] = []
        for camera in subnet["cameras"]:
            live = api_cameras[camera["id"]]
            require_loopback(live["address"])
            path = re.sub(r"^rtsp://[^/]*", "", live["url"]) or "/"
            item = {"id": camera["id"], "host": live["address"], "port": live["port"],
                    "path": path, "model": live["model"]}
            credentials = camera.get("credentials")
            if credentials:
                item["username"] = credentials["username"]
                item["password"] = credentials["password"]
            item.update(camera_extra.get(camera["id"], {}))
            entry["cameras"].append(item)
        config["subnets"].append(entry)
    return config


def effective_settings(config):
    """Per subnet: (deadline_ms, interval_ms, longest teardown_ms), as camfleetd reads them."""
    defaults = config.get("defaults", {})
    subnet_defaults = defaults.get("subnet", {})
    camera_defaults = defaults.get("camera", {})
    result = {}
    for subnet in config["subnets"]:
        def pick(key, fallback):
            return subnet.get(key, subnet_defaults.get(key, fallback))
        teardown = 0
        for camera in subnet["cameras"]:
            teardown = max(teardown, camera.get(
                "teardown_budget_ms", subnet.get("camera_defaults", {}).get(
                    "teardown_budget_ms", camera_defaults.get("teardown_budget_ms",
                                                              DEFAULT_TEARDOWN_MS))))
        result[subnet["name"]] = {
            "deadline_ms": pick("patrol_deadline_ms", DEFAULT_DEADLINE_MS),
            "interval_ms": pick("patrol_interval_ms", DEFAULT_INTERVAL_MS),
            "grace_ms": teardown + 1000,
        }
    return result
