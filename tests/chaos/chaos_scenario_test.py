"""Unit tests of the chaos runner's own logic: what a scenario implies and what /proc says."""
import glob
import json
import os
import tempfile
import unittest

from chaos_processes import _hex_address
from chaos_scenario import (Scenario, ScenarioError, behaviour_kinds, camfleet_config,
                            effective_settings, require_loopback)

HERE = os.path.dirname(os.path.abspath(__file__))


def camera(cid, address, behaviour="healthy", **extra):
    result = {"id": cid, "address": address, "port": 0, "model": "Tapo C110",
              "credentials": {"username": "u", "password": "p"}, "behaviour": behaviour}
    result.update(extra)
    return result


class ScenarioFile:
    def __init__(self, data):
        self.file = tempfile.NamedTemporaryFile("w", suffix=".json", delete=False)
        json.dump(data, self.file)
        self.file.close()

    def __enter__(self):
        return self.file.name

    def __exit__(self, *_):
        os.unlink(self.file.name)


def load(cameras, timeline=(), run=None, camfleet=None):
    data = {"camsim": {"subnets": [{"name": "s", "prefix": "127.9.0.0/24", "cameras": cameras}],
                       "timeline": list(timeline)},
            "run": run or {}}
    if camfleet is not None:
        data["camfleet"] = camfleet
    with ScenarioFile(data) as path:
        return Scenario(path, {})


class BehaviourKindsTest(unittest.TestCase):
    def test_flapping_has_both_sides(self):
        self.assertEqual(behaviour_kinds({"kind": "flapping", "period_ms": 10, "a": "healthy",
                                          "b": {"kind": "slow", "delay_ms": 5}}),
                         {"healthy", "slow"})

    def test_name_only_behaviour(self):
        self.assertEqual(behaviour_kinds("blackhole"), {"blackhole"})


class ScenarioTest(unittest.TestCase):
    def test_healthy_excludes_changed_held_and_misconfigured_cameras(self):
        scenario = load([camera("a", "127.9.0.1"), camera("b", "127.9.0.2", "tplink_sdp"),
                         camera("c", "127.9.0.3"), camera("d", "127.9.0.4"),
                         camera("e", "127.9.0.5")],
                        timeline=[{"at_ms": 5, "camera": "c", "behaviour": "refuse"}],
                        run={"holds": [{"camera": "d"}],
                             "failures": {"e": {"kinds": ["auth_failed"]}}})
        self.assertEqual(scenario.healthy, {"a", "b"})

    def test_silent_kinds_exempt_from_session_checks_wherever_they_appear(self):
        scenario = load([camera("a", "127.9.0.1", "blackhole"), camera("b", "127.9.0.2"),
                         camera("c", "127.9.0.3",
                                {"kind": "flapping", "period_ms": 10, "a": "healthy",
                                 "b": {"kind": "stall_after_play", "frames": 1}})],
                        timeline=[{"at_ms": 5, "camera": "b",
                                   "behaviour": {"kind": "drop_after", "frames": 2}}])
        self.assertEqual(scenario.silent, {"a", "b", "c"})

    def test_reset_and_auth_rejected_exempt_only_when_switched_to(self):
        scenario = load([camera("a", "127.9.0.1", "reset"),
                         camera("b", "127.9.0.2", "auth_rejected"), camera("c", "127.9.0.3"),
                         camera("d", "127.9.0.4",
                                {"kind": "flapping", "period_ms": 10, "a": "healthy",
                                 "b": "reset"})],
                        timeline=[{"at_ms": 5, "camera": "c", "behaviour": "auth_rejected"}])
        self.assertEqual(scenario.silent, {"c", "d"})

    def test_star_in_the_timeline_reaches_every_camera(self):
        scenario = load([camera("a", "127.9.0.1"), camera("b", "127.9.0.2")],
                        timeline=[{"at_ms": 5, "camera": "*", "behaviour": "blackhole"}])
        self.assertEqual(scenario.silent, {"a", "b"})
        self.assertEqual(scenario.healthy, set())

    def test_unknown_run_key_is_an_error(self):
        with self.assertRaisesRegex(ScenarioError, "patrol"):
            load([camera("a", "127.9.0.1")], run={"patrol": 3})

    def test_unknown_camera_in_run_is_an_error(self):
        with self.assertRaisesRegex(ScenarioError, "ghost"):
            load([camera("a", "127.9.0.1")], run={"recover": {"ghost": 10}})

    def test_every_shipped_scenario_loads(self):
        paths = sorted(glob.glob(os.path.join(HERE, "scenarios", "*.json")))
        self.assertGreaterEqual(len(paths), 8)
        for path in paths:
            with self.subTest(path=os.path.basename(path)):
                scenario = Scenario(path, {})
                self.assertTrue(scenario.healthy, "a scenario needs healthy cameras to check")


class ConfigTest(unittest.TestCase):
    def test_config_takes_addresses_from_camsim_and_overrides_from_the_scenario(self):
        scenario = load([camera("a", "127.9.0.1"), camera("b", "127.9.0.2")],
                        camfleet={"defaults": {"camera": {"teardown_budget_ms": 400}},
                                  "subnets": {"s": {"patrol_deadline_ms": 3000}},
                                  "cameras": {"b": {"password": "old",
                                                    "teardown_budget_ms": 900}}})
        api = {"a": {"address": "127.9.0.1", "port": 4001, "url": "rtsp://127.9.0.1:4001/stream1",
                     "model": "Tapo C110"},
               "b": {"address": "127.9.0.2", "port": 4002,
                     "url": "rtsp://127.9.0.2:4002/Streaming/Channels/101", "model": "Hik"}}
        config = camfleet_config(scenario, api, "/tmp/w")
        a, b = config["subnets"][0]["cameras"]
        self.assertEqual((a["host"], a["port"], a["path"], a["password"]),
                         ("127.9.0.1", 4001, "/stream1", "p"))
        self.assertEqual((b["path"], b["password"]), ("/Streaming/Channels/101", "old"))
        settings = effective_settings(config)["s"]
        self.assertEqual(settings["deadline_ms"], 3000)
        self.assertEqual(settings["grace_ms"], 900 + 1000)
        self.assertEqual(settings["interval_ms"], 15000)

    def test_a_camera_outside_loopback_is_refused(self):
        with self.assertRaises(ScenarioError):
            require_loopback("10.1.2.3")
        require_loopback("::1")


class ProcTest(unittest.TestCase):
    def test_hex_addresses_of_proc_net_tcp(self):
        self.assertEqual(_hex_address("1300403D:1F90"), ("61.64.0.19", 8080))
        self.assertEqual(_hex_address("0100007F:22B8"), ("127.0.0.1", 8888))
        self.assertEqual(_hex_address("00000000000000000000000001000000:0050"), ("::1", 80))


if __name__ == "__main__":
    unittest.main()
