"""Unit tests of the secret scan: every form a leak can take is found, and the
password sources the runner gives camfleetd hold the secret where they should."""
import os
import stat
import tempfile
import unittest

from chaos_scenario import Scenario
from chaos_scenario_test import ScenarioFile, camera
from chaos_secrets import SECRET, SECRET_ENV, scan, scan_paths, secret_forms, use_secret_passwords


class SecretScanTest(unittest.TestCase):
    def setUp(self):
        self.forms = secret_forms(SECRET, {"camsim"})

    def test_finds_every_form_a_leak_takes(self):
        leaks = {
            "a log line": f"password={SECRET}",
            "an RTSP URL": "rtsp://camsim:Wombat-7q%40k%3A9%2FZr@127.0.0.1/stream1",
            "lower-case escapes": "rtsp://camsim:Wombat-7q%40k%3a9%2fZr@127.0.0.1/",
            "a Basic header": "Authorization: Basic Y2Ftc2ltOldvbWJhdC03cUBrOjkvWnI=",
        }
        for where, text in leaks.items():
            with self.subTest(where):
                self.assertTrue(scan(where, text.encode(), self.forms), text)

    def test_innocent_text_passes(self):
        text = b'{"camera": "tapo-c110", "password_source": "env:CAMFLEET_CHAOS_PASSWORD"}'
        self.assertEqual(scan("answer", text, self.forms), [])

    def test_finds_it_in_a_path(self):
        with tempfile.TemporaryDirectory() as root:
            os.makedirs(os.path.join(root, "site", "Wombat-7q%40k%3A9%2FZr"))
            findings = scan_paths(root, self.forms)
        self.assertEqual(len(findings), 1)
        self.assertIn("percent-encoded", findings[0])

    def test_sources_alternate_and_keep_a_deliberately_wrong_password(self):
        data = {"camsim": {"subnets": [{"name": "s", "prefix": "127.9.0.0/24", "cameras": [
            camera("a", "127.9.0.10"), camera("b", "127.9.0.11"), camera("c", "127.9.0.12")]}]},
            "camfleet": {"cameras": {"c": {"password": "the-old-one"}}}, "run": {}}
        with ScenarioFile(data) as path, tempfile.TemporaryDirectory() as work:
            scenario = Scenario(path, {})
            env, sources = use_secret_passwords(scenario, work)
            self.assertEqual(env[SECRET_ENV], SECRET)
            self.assertEqual(sources["a"], {"password_env": SECRET_ENV})
            for cid, expected in (("b", SECRET), ("c", "the-old-one")):
                file = sources[cid]["password_file"]
                self.assertEqual(stat.S_IMODE(os.stat(file).st_mode), 0o600)
                with open(file, encoding="utf-8") as f:
                    self.assertEqual(f.read(), expected + "\n")
            for cid in "abc":
                self.assertEqual(scenario.cameras[cid]["credentials"]["password"], SECRET)


if __name__ == "__main__":
    unittest.main()
