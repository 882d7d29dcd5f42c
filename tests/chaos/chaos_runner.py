#!/usr/bin/python3
"""Runs camfleetd against a camsim fleet and checks its invariants after every patrol.

A chaos scenario (tests/chaos/scenarios/*.json) is a camsim scenario plus what
the runner needs: the daemon's settings and how long to run. The runner starts
camsim, generates a matching camfleetd configuration from the ports camsim
reports, starts the real camfleetd, and follows the patrol log. As each patrol
line appears it checks, from camsim's control API and from the daemon's
/proc/<pid> entries:

  1. release: at the patrol end, no connection and no session of the daemon is
     open on that subnet's cameras (camsim gets up to 300 ms to notice a close;
     the daemon's own sockets get none);
  2. one session: no camera ever had two sessions of the daemon at once;
  3. teardown: every session the daemon opened ended with a TEARDOWN, on every
     camera whose behaviour lets a TEARDOWN through;
  4. healthy captured: every healthy camera is captured in every patrol;
  5. deadline: every patrol ends within its deadline plus the daemon's grace
     (the longest teardown budget of the subnet + 1 s);
  6. no growth: the daemon's descriptors, threads and resident memory do not
     grow across the run (scenarios with "leak_check"; in a soak, window
     medians, see check_soak_growth), and its threads return to their idle
     count after every patrol of a single-subnet fleet;
  secret: every camera's password is a distinctive one, from password_env or
     password_file; at the end it appears in no log line of camfleetd or
     camsim, no admin API answer (every endpoint, every camera), /metrics,
     patrol log line or path under the snapshot directory (chaos_secrets.py).

Every violation names the invariant, the patrol, the camera and the counter.
Exit status: 0 when every check passed, 1 when one failed, 2 for a bad
scenario or command line. Debian's python3 and its standard library only.

Loopback only: camsim refuses any other address, and the runner checks every
address it connects to.
"""
import argparse
import datetime
import json
import os
import shutil
import signal
import statistics
import sys
import time

from chaos_processes import Child, SessionHolder, daemon_sockets, proc_stats, start_camsim
from chaos_scenario import Scenario, ScenarioError, camfleet_config, effective_settings
from chaos_secrets import (SECRET_ENV, TOKEN_ENV, admin_answers, scan, scan_file, scan_paths,
                           secret_forms, use_secret_passwords)

SETTLE_S = 0.3
POLL_S = 0.02
# Below the shortest session timeout a held camera has in the scenarios (3 s).
KEEP_ALIVE_S = 1.0


class Run:
    """One scenario: camsim, the daemon, the runner's own client, and the checks."""

    def __init__(self, scenario, camsim_bin, camfleetd_bin, work_dir, verbose):
        self.scenario = scenario
        self.camsim_bin = camsim_bin
        self.camfleetd_bin = camfleetd_bin
        self.work_dir = work_dir
        self.verbose = verbose
        self.violations = []
        self.camsim = None
        self.daemon = None
        self.daemon_status = None
        self.api = None
        self.holders = {}
        self.lines = {s: [] for s in scenario.subnets}
        self.samples = []          # (subnet, patrol, fds, threads, rss_kib)
        self.thread_baseline = None
        self.max_daemon_sockets = {}  # camera id -> most daemon sockets seen at once
        self.last_sockets = {}
        self.inconclusive = 0
        self.release_checks = 0

    # Reporting.
    def violate(self, invariant, text):
        message = f"invariant {invariant}: {text}"
        self.violations.append(message)
        print(f"FAIL {message}", flush=True)

    def say(self, text):
        print(text, flush=True)

    # Start and stop.
    def start(self):
        shutil.rmtree(self.work_dir, ignore_errors=True)
        os.makedirs(self.work_dir)
        # Every camera's password is the distinctive secret, from an
        # environment variable or a file: the scan at the end looks for it.
        self.secret_env, password_sources = use_secret_passwords(self.scenario, self.work_dir)
        self.camsim, self.api = start_camsim(self.camsim_bin, self.scenario.camsim,
                                             self.work_dir)
        self.ready_wall = time.time()
        self.ready_mono = time.monotonic()
        self.api_cameras = self.api.cameras()
        self.addresses = {(c["address"], c["port"]): cid for cid, c in self.api_cameras.items()}

        for hold in self.scenario.holds:
            self.apply_hold(hold)

        config = camfleet_config(self.scenario, self.api_cameras, self.work_dir)
        for subnet in config["subnets"]:
            for camera in subnet["cameras"]:
                if camera["id"] in password_sources:
                    camera.pop("password", None)
                    camera.update(password_sources[camera["id"]])
        config["admin"] = {"listen": "127.0.0.1:0", "token_env": TOKEN_ENV}
        self.settings = effective_settings(config)
        self.config_path = os.path.join(self.work_dir, "camfleet.json")
        with open(self.config_path, "w", encoding="utf-8") as f:
            json.dump(config, f, indent=1)
        self.port_file = os.path.join(self.work_dir, "admin.port")
        self.daemon = Child("camfleetd", [self.camfleetd_bin, "--config", self.config_path,
                                          "--admin-port-file", self.port_file],
                            os.path.join(self.work_dir, "camfleetd.log"),
                            env_extra=self.secret_env)
        self.daemon_started = time.monotonic()

    def apply_hold(self, hold):
        cid = hold["camera"]
        holder = self.holders.get(cid)
        if holder is None:
            credentials = self.scenario.cameras[cid].get("credentials")
            holder = self.holders[cid] = SessionHolder(self.api_cameras[cid], credentials)
            holder.max_held = 0
        for _ in range(hold.get("sessions", 1)):
            if not holder.hold():
                raise RuntimeError(f"the runner could not hold a session on {cid}")
        holder.max_held = max(holder.max_held, holder.active_sessions())
        self.say(f"holding {holder.active_sessions()} session(s) on {cid}")

    def stop_daemon(self):
        if self.daemon is not None and self.daemon_status is None:
            self.daemon_status = self.daemon.stop(15)

    def stop(self):
        """Stops everything this run started; safe to call more than once."""
        self.stop_daemon()
        for holder in self.holders.values():
            holder.release()
        if self.camsim is not None:
            self.camsim.stop(10)

    # Counters of the daemon only: camsim's minus the runner's own client.
    def daemon_counts(self, cid, camera):
        holder = self.holders.get(cid)
        counts = dict(camera)
        if holder is not None:
            counts["open_connections"] -= holder.open_connections()
            counts["active_sessions"] -= holder.active_sessions()
            counts["sessions_started"] -= holder.sessions_started
            counts["teardowns_received"] -= holder.teardowns
        return counts

    def sockets_by_camera(self):
        sockets = daemon_sockets(self.daemon.pid)
        by_camera = {}
        for inode, remote in sockets.items():
            cid = self.addresses.get(remote)
            if cid is not None:
                by_camera.setdefault(cid, set()).add(inode)
        for cid, inodes in by_camera.items():
            if len(inodes) > self.max_daemon_sockets.get(cid, 0):
                self.max_daemon_sockets[cid] = len(inodes)
        return by_camera

    # The checks of one patrol.
    def check_patrol(self, line, sockets_before):
        subnet = line["subnet"]
        patrol = line["patrol"]
        where = f"subnet {subnet} patrol {patrol}"
        settings = self.settings[subnet]
        cameras_here = [cid for cid in self.scenario.cameras
                        if self.scenario.subnet_of[cid] == subnet]

        # The daemon's own clock says when this patrol ended and when the next
        # one is due: nothing of the daemon may be connected in between.
        ended = datetime.datetime.fromisoformat(line["ended_at"]).timestamp()
        next_due = ended + settings["interval_ms"] / 1000

        # 1, daemon side, with no settle (the daemon closes before it reports):
        # a socket to one of the subnet's cameras that was already there before
        # the line appeared spans the patrol end; any socket at all while the
        # next patrol is far from due was opened or kept after the end.
        # Late (see below), the sockets seen before the line may already be
        # the next patrol's.
        late = time.time() >= next_due
        sockets_now = self.sockets_by_camera()
        quiet = time.time() < ended + settings["interval_ms"] / 2000
        for cid in cameras_here:
            held = sockets_now.get(cid, set())
            spanning = set() if late else held & sockets_before.get(cid, set())
            if spanning or (held and quiet):
                self.violate(1, f"{where}: camera {cid}: the daemon holds {len(held)} TCP "
                             f"socket(s) to it (/proc/{self.daemon.pid}/fd) "
                             f"{(time.time() - ended) * 1000:.0f} ms after the patrol ended"
                             f"{' (opened before the end)' if spanning else ''}")

        # 1, camsim side: no open connection, no active session (silent cameras
        # keep sessions they never saw torn down), within the settle bound.
        # A runner that reaches this line only after the next patrol was due
        # (a loaded machine, a backlog of lines) may see that patrol's own
        # connection: one per camera is then inconclusive, not a leak; a real
        # leftover is still caught by the next check that is on time.
        late = time.time() >= next_due
        first = self.api.cameras()
        end = time.monotonic() + SETTLE_S
        now = first
        while True:
            problems = self.release_problems(cameras_here, now)
            if late and problems and all(
                    self.daemon_counts(cid, now[cid])["open_connections"] <= 1
                    for cid, _ in problems):
                self.inconclusive += 1
                problems = []
                break
            if not problems or time.monotonic() >= end:
                break
            grown = [cid for cid, _ in problems
                     if now[cid]["connections_accepted"] > first[cid]["connections_accepted"]]
            if grown and time.time() < next_due:
                problems = [(cid, text + " (connections_accepted grew from "
                             f"{first[cid]['connections_accepted']} to "
                             f"{now[cid]['connections_accepted']} before the next patrol was due)")
                            for cid, text in problems if cid in grown]
                break
            # The next patrol began: a new connection, not a leftover one.
            if len(grown) == len(problems) and all(
                    self.daemon_counts(cid, now[cid])["open_connections"] <= 1 for cid in grown):
                self.inconclusive += 1
                problems = []
                break
            time.sleep(POLL_S)
            now = self.api.cameras()
        self.release_checks += 1
        for cid, text in problems:
            self.violate(1, f"{where}: camera {cid}: {text}, "
                         f"{(time.time() - ended) * 1000:.0f} ms after the patrol ended")

        for cid in cameras_here:
            counts = self.daemon_counts(cid, now[cid])
            holder = self.holders.get(cid)
            # 2: one session at a time.
            if cid not in self.scenario.silent:
                allowed = 1 + (holder.max_held if holder else 0)
                if now[cid]["session_high_water"] > allowed:
                    held = f", {allowed - 1} held by the runner" if holder else ""
                    self.violate(2, f"{where}: camera {cid}: session_high_water="
                                 f"{now[cid]['session_high_water']} (at most {allowed} allowed"
                                 f"{held})")
            if self.max_daemon_sockets.get(cid, 0) > 1:
                self.violate(2, f"{where}: camera {cid}: the daemon held "
                             f"{self.max_daemon_sockets[cid]} TCP sockets to it at once")
                self.max_daemon_sockets[cid] = 1  # report each excess once
            # 3: every session ended with a TEARDOWN.
            # Late, the next patrol's session may be open: it has no TEARDOWN yet.
            in_progress = counts["active_sessions"] if late else 0
            if cid not in self.scenario.silent:
                if counts["sessions_started"] != counts["teardowns_received"] + in_progress or \
                        now[cid]["sessions_expired"] > 0:
                    self.violate(3, f"{where}: camera {cid}: the daemon's sessions_started="
                                 f"{counts['sessions_started']} but teardowns_received="
                                 f"{counts['teardowns_received']}, sessions_expired="
                                 f"{now[cid]['sessions_expired']}"
                                 f"{f', {in_progress} in progress' if in_progress else ''}")

        # 4: healthy cameras captured.
        outcomes = {c["camera"]: c for c in line["cameras"]}
        for cid in cameras_here:
            if cid not in self.scenario.healthy:
                continue
            entry = outcomes.get(cid)
            if entry is None or entry["outcome"] != "captured":
                detail = "absent from the report" if entry is None else \
                    f"outcome {entry['outcome']} {entry.get('failure', '')} " \
                    f"{entry.get('detail', '')}".strip()
                self.violate(4, f"{where}: healthy camera {cid} was not captured: {detail}")

        # 5: within the deadline plus the grace.
        bound = settings["deadline_ms"] + settings["grace_ms"]
        if line["duration_ms"] > bound:
            self.violate(5, f"{where}: took {line['duration_ms']} ms, more than the deadline "
                         f"{settings['deadline_ms']} ms + grace {settings['grace_ms']} ms")

        self.check_expectations(line, outcomes, where)
        self.sample_process(subnet, patrol, where)

    def release_problems(self, cameras_here, api):
        problems = []
        for cid in cameras_here:
            counts = self.daemon_counts(cid, api[cid])
            texts = []
            if counts["open_connections"] > 0:
                texts.append(f"open_connections={counts['open_connections']}")
            if counts["active_sessions"] > 0 and cid not in self.scenario.silent:
                texts.append(f"active_sessions={counts['active_sessions']}")
            if texts:
                problems.append((cid, ", ".join(texts) + " of the daemon"))
        return problems

    def check_expectations(self, line, outcomes, where):
        started = datetime.datetime.fromisoformat(line["started_at"]).timestamp()
        since_ready_ms = (started - self.ready_wall) * 1000
        for cid, after_ms in self.scenario.run.get("recover", {}).items():
            if self.scenario.subnet_of[cid] != line["subnet"] or since_ready_ms < after_ms:
                continue
            entry = outcomes.get(cid, {})
            if entry.get("outcome") != "captured":
                self.violate(4, f"{where}: camera {cid} should have recovered "
                             f"{after_ms} ms after camsim started (this patrol started at "
                             f"{since_ready_ms:.0f} ms) but was {entry.get('outcome')} "
                             f"{entry.get('failure', '')} {entry.get('detail', '')}".rstrip())
        for cid, rule in self.scenario.run.get("failures", {}).items():
            if self.scenario.subnet_of[cid] != line["subnet"]:
                continue
            entry = outcomes.get(cid, {})
            in_window = rule.get("after_ms", 0) <= since_ready_ms < rule.get("until_ms", 1e12)
            if in_window and entry.get("outcome") == "failed" \
                    and entry.get("failure") not in rule["kinds"]:
                self.violate(4, f"{where}: camera {cid} failed as {entry.get('failure')}, "
                             f"expected one of {rule['kinds']}: {entry.get('detail', '')}")

    def sample_process(self, subnet, patrol, where):
        pid = self.daemon.pid
        fds, threads, rss = proc_stats(pid)
        single = len(self.scenario.subnets) == 1
        # 6: the capture workers' threads end with their sessions.
        if single and self.thread_baseline is not None and threads > self.thread_baseline:
            end = time.monotonic() + SETTLE_S
            while threads > self.thread_baseline and time.monotonic() < end:
                time.sleep(POLL_S)
                fds, threads, rss = proc_stats(pid)
            if threads > self.thread_baseline:
                self.violate(6, f"{where}: the daemon has {threads} threads after the patrol, "
                             f"its idle count is {self.thread_baseline}")
        self.samples.append((subnet, patrol, fds, threads, rss))
        every = self.scenario.run.get("report_every")
        if every and len(self.samples) % every == 0:
            window = self.samples[-every:]
            self.say(f"patrols {len(self.samples)}: daemon descriptors {fds}, threads {threads}, "
                     f"RSS {rss} KiB; medians of the last {every}: "
                     f"{statistics.median(s[2] for s in window):g} / "
                     f"{statistics.median(s[3] for s in window):g} / "
                     f"{statistics.median(s[4] for s in window):g} KiB")
        if single and len(self.samples) == 5:
            self.thread_baseline = min(s[3] for s in self.samples)

    def check_growth(self):
        samples = self.samples
        if len(samples) < 20:
            self.violate(6, f"only {len(samples)} patrols sampled; the growth check needs 20")
            return
        rule = self.scenario.run["leak_check"]
        n = len(samples)
        early = samples[n // 10: n // 10 + max(n // 10, 10)]
        late = samples[-max(n // 10, 10):]

        def describe(window, index):
            values = [s[index] for s in window]
            return min(values), statistics.median(values), max(values)

        for index, name, tolerance in ((2, "open descriptors", rule.get("fd_tolerance", 2)),
                                       (3, "threads", rule.get("thread_tolerance", 0))):
            e, l_ = describe(early, index), describe(late, index)
            self.say(f"{name}: early patrols min/median/max {e}, late {l_}")
            if l_[0] > e[2] + tolerance:
                self.violate(6, f"{name} grew from at most {e[2]} (patrols "
                             f"{early[0][1]}-{early[-1][1]}) to at least {l_[0]} (patrols "
                             f"{late[0][1]}-{late[-1][1]}), tolerance {tolerance}")
        e, l_ = describe(early, 4), describe(late, 4)
        tolerance = max(rule.get("rss_tolerance_kib", 8192), e[1] * rule.get("rss_ratio", 0.2))
        self.say(f"resident memory KiB: early min/median/max {e}, late {l_}")
        if l_[1] > e[1] + tolerance:
            self.violate(6, f"resident memory grew from a median of {e[1]} KiB (patrols "
                         f"{early[0][1]}-{early[-1][1]}) to {l_[1]} KiB (patrols "
                         f"{late[0][1]}-{late[-1][1]}), tolerance {tolerance:.0f} KiB")

    # The soak's growth rule: the samples (one per patrol, every subnet) cut
    # into windows of `report_every` patrols; the first window is warm-up
    # (arenas, caches, first connections); the median of the last window
    # must stay within the tolerance of the median of the second. Medians,
    # because a single sample falls wherever the other subnets' captures
    # happen to be; whole windows, because a leak of one descriptor or a few
    # KiB per patrol adds up over hundreds of them.
    SOAK_TOLERANCE = {"open descriptors": (2, 4, 0.0), "threads": (3, 3, 0.0),
                      "resident memory KiB": (4, 8192, 0.10)}

    def check_soak_growth(self):
        every = self.scenario.run.get("report_every") or 100
        windows = [self.samples[i:i + every] for i in range(0, len(self.samples), every)]
        windows = [w for w in windows if len(w) == every]
        if len(windows) < 3:
            self.violate(6, f"only {len(self.samples)} patrols sampled; the soak's growth check "
                         f"needs 3 windows of {every} (one of warm-up)")
            return
        for name, (index, absolute, ratio) in self.SOAK_TOLERANCE.items():
            medians = [statistics.median(s[index] for s in w) for w in windows]
            first, final = medians[1], medians[-1]
            tolerance = max(absolute, first * ratio)
            self.say(f"{name}: window medians {' '.join(f'{m:g}' for m in medians)}; after "
                     f"warm-up {first:g}, last {final:g}, tolerance +{tolerance:g}")
            if final > first + tolerance:
                self.violate(6, f"{name} grew: median {first:g} over patrols "
                             f"{every + 1}-{2 * every}, "
                             f"{final:g} over the last {every} (of {len(self.samples)}), more "
                             f"than the tolerance of {tolerance:g}")

    # The main loop.
    def follow(self):
        run = self.scenario.run
        want = self.scenario.patrols()
        min_s = run.get("min_seconds", 0)
        max_s = run.get("max_seconds", 60)
        holds_later = sorted((h for h in self.scenario.holds if "release_at_ms" in h),
                             key=lambda h: h["release_at_ms"])
        log_path = os.path.join(self.work_dir, "patrols.jsonl")
        offset = 0
        pending = ""
        last_end = {s: self.daemon_started for s in self.scenario.subnets}
        start = time.monotonic()
        sockets_before = {}
        last_keep_alive = start

        while True:
            now = time.monotonic()
            elapsed = now - start
            if not self.daemon.running():
                self.violate(5, f"camfleetd exited with status {self.daemon.proc.returncode} "
                             f"after {elapsed:.1f} s:\n{self.daemon.tail()}")
                return
            while holds_later and (now - self.ready_mono) * 1000 >= holds_later[0]["release_at_ms"]:
                hold = holds_later.pop(0)
                self.holders[hold["camera"]].release()
                self.say(f"released the runner's sessions on {hold['camera']}")

            # New patrol lines.
            try:
                with open(log_path, encoding="utf-8") as f:
                    f.seek(offset)
                    chunk = f.read()
                    offset = f.tell()
            except FileNotFoundError:
                chunk = ""
            pending += chunk
            while "\n" in pending:
                text, pending = pending.split("\n", 1)
                line = json.loads(text)
                self.lines[line["subnet"]].append(line)
                last_end[line["subnet"]] = time.monotonic()
                self.check_patrol(line, sockets_before)
                if self.verbose:
                    captured = line["captured"]
                    self.say(f"{line['subnet']} patrol {line['patrol']}: {captured}/"
                             f"{len(line['cameras'])} captured in {line['duration_ms']} ms"
                             f"{' (deadline reached)' if line['deadline_reached'] else ''}")

            # A patrol that never ends is a deadline violation too.
            for subnet, settings in self.settings.items():
                overdue_s = (settings["interval_ms"] + settings["deadline_ms"] +
                             settings["grace_ms"]) / 1000 + 2
                if time.monotonic() - last_end[subnet] > overdue_s:
                    self.violate(5, f"subnet {subnet}: no patrol ended for {overdue_s:.1f} s "
                                 f"after patrol {len(self.lines[subnet])} (interval + deadline "
                                 "+ grace + 2 s)")
                    return

            total = run.get("total_patrols")
            if total:
                done = sum(len(lines) for lines in self.lines.values()) >= total
            else:
                done = all(len(lines) >= want for lines in self.lines.values())
            if done and elapsed >= min_s:
                return
            if elapsed >= max_s:
                counts = {s: len(lines) for s, lines in self.lines.items()}
                if run.get("soak"):
                    self.say(f"time bound of {max_s} s reached with patrols {counts}")
                else:
                    self.violate(5, f"only {counts} patrols in {max_s} s; {want} per subnet "
                                 "were expected")
                return

            if now - last_keep_alive >= KEEP_ALIVE_S:
                last_keep_alive = now
                for holder in self.holders.values():
                    holder.keep_alive()

            sockets_before = self.sockets_by_camera()
            time.sleep(POLL_S)

    def final_checks(self):
        # After the daemon stopped, camsim must see nothing of it at all.
        time.sleep(SETTLE_S)
        api = self.api.cameras()
        for cid in self.scenario.cameras:
            counts = self.daemon_counts(cid, api[cid])
            if counts["open_connections"] > 0:
                self.violate(1, f"after camfleetd stopped: camera {cid}: open_connections="
                             f"{counts['open_connections']} of the daemon")
            # 3 again, across the SIGTERM, which lands at any moment of a
            # patrol: the sessions open then were torn down too.
            if cid not in self.scenario.silent and (
                    counts["sessions_started"] != counts["teardowns_received"] or
                    api[cid]["sessions_expired"] > 0):
                self.violate(3, f"after SIGTERM: camera {cid}: the daemon's sessions_started="
                             f"{counts['sessions_started']} but teardowns_received="
                             f"{counts['teardowns_received']}, sessions_expired="
                             f"{api[cid]['sessions_expired']}")
        for cid, minimums in self.scenario.run.get("expect_counters", {}).items():
            for counter, minimum in minimums.items():
                if api[cid][counter] < minimum:
                    self.violate("scenario", f"camera {cid}: {counter}={api[cid][counter]}, the "
                                 f"scenario should have produced at least {minimum}: it did not "
                                 "exercise what it claims")
        if self.daemon_status != 0:
            self.violate(1, f"camfleetd exited with status {self.daemon_status} on SIGTERM:\n"
                         f"{self.daemon.tail()}")

    # The secret scan (issue 6, item 5).
    def read_admin_answers(self):
        """Every admin API answer, while the daemon still runs."""
        self.admin_answers = []
        end = time.monotonic() + 5
        while not os.path.exists(self.port_file):
            if time.monotonic() > end:
                self.violate("secret", f"camfleetd never wrote its admin port to {self.port_file}")
                return
            time.sleep(POLL_S)
        with open(self.port_file, encoding="ascii") as f:
            port = int(f.read())
        self.admin_answers = admin_answers(port, self.scenario.cameras, self.scenario.subnets)
        # The answers that carry the most about cameras must be real ones.
        must_answer = {"admin GET /metrics", "admin GET /v1/fleet", "admin GET /v1/cameras"} | \
            {f"admin GET /v1/cameras/{cid}" for cid in self.scenario.cameras}
        for label, status, _ in self.admin_answers:
            if label in must_answer and status != 200:
                self.violate("secret", f"{label} answered {status}: the scan needs its answer")

    def scan_for_secret(self):
        """After the daemon stopped: the secret in no log, answer, metric, line or path."""
        usernames = {c["credentials"]["username"] for c in self.scenario.cameras.values()
                     if c.get("credentials")}
        forms = secret_forms(self.secret_env[SECRET_ENV], usernames)
        findings = []
        findings += scan_file(os.path.join(self.work_dir, "camfleetd.log"), forms)
        findings += scan_file(os.path.join(self.work_dir, "camsim.log"), forms)
        findings += scan_file(os.path.join(self.work_dir, "patrols.jsonl"), forms)
        findings += scan_paths(os.path.join(self.work_dir, "snapshots"), forms)
        for label, _, body in self.admin_answers:
            findings += scan(label, body, forms)
        for finding in findings:
            self.violate("secret", finding)
        self.say(f"  secret scan: {len(forms)} forms in 2 logs, the patrol log, the snapshot "
                 f"paths and {len(self.admin_answers)} admin answers: {len(findings)} found")

    def summary(self, seconds):
        self.say(f"scenario {self.scenario.name}: {seconds:.1f} s, work dir {self.work_dir}")
        for subnet, lines in self.lines.items():
            if not lines:
                continue
            durations = [l["duration_ms"] for l in lines]
            captured = sum(l["captured"] for l in lines)
            total = sum(len(l["cameras"]) for l in lines)
            deadline = sum(1 for l in lines if l["deadline_reached"])
            self.say(f"  subnet {subnet}: {len(lines)} patrols, duration ms min/median/max "
                     f"{min(durations)}/{statistics.median(durations):.0f}/{max(durations)}, "
                     f"{captured}/{total} captures, deadline reached {deadline}x")
        if self.samples:
            first, last = self.samples[0], self.samples[-1]
            self.say(f"  daemon fds/threads/RSS KiB: first patrol {first[2]}/{first[3]}/{first[4]}"
                     f", last patrol {last[2]}/{last[3]}/{last[4]}")
        self.say(f"  release checks {self.release_checks}, inconclusive (next patrol had "
                 f"begun) {self.inconclusive}")
        if self.inconclusive > max(2, self.release_checks // 10):
            self.violate(1, f"{self.inconclusive} of {self.release_checks} release checks were "
                         "overtaken by the next patrol; lengthen patrol_interval_ms")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenario", help="tests/chaos/scenarios/NAME.json")
    parser.add_argument("--camsim", required=True, help="the camsim binary")
    parser.add_argument("--camfleetd", required=True, help="the camfleetd binary")
    parser.add_argument("--work-dir", required=True,
                        help="scratch directory (emptied first): logs, config, snapshots")
    parser.add_argument("--patrols", type=int, help="patrols per subnet (overrides the scenario)")
    parser.add_argument("--max-seconds", type=float, help="time bound (overrides the scenario)")
    parser.add_argument("--soak", action="store_true",
                        help="reaching the time bound ends the run without failing it")
    parser.add_argument("--total-patrols", type=int,
                        help="stop after this many patrols of all subnets together")
    parser.add_argument("--report-every", type=int,
                        help="print the daemon's descriptors, threads and RSS every N patrols; "
                        "with --soak, the growth check compares windows of N patrols")
    parser.add_argument("--verbose", action="store_true", help="print every patrol")
    args = parser.parse_args()

    try:
        scenario = Scenario(args.scenario, {"patrols": args.patrols,
                                            "max_seconds": args.max_seconds,
                                            "soak": args.soak or None,
                                            "total_patrols": args.total_patrols,
                                            "report_every": args.report_every})
    except (ScenarioError, OSError, ValueError, KeyError) as error:
        print(f"chaos_runner: {error}", file=sys.stderr)
        return 2
    if scenario.description:
        print(f"scenario {scenario.name}: {scenario.description}")
    print(f"healthy cameras (captured every patrol): {len(scenario.healthy)}; may lose a TEARDOWN "
          f"(exempt from the session checks): {sorted(scenario.silent)}", flush=True)

    run = Run(scenario, os.path.abspath(args.camsim), os.path.abspath(args.camfleetd),
              os.path.abspath(args.work_dir), args.verbose)
    began = time.monotonic()
    # SIGTERM (CTest's timeout, a user) stops the children through finally.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    try:
        run.start()
        run.follow()
        run.read_admin_answers()
        run.stop_daemon()
        run.final_checks()
        run.scan_for_secret()
        if scenario.run.get("soak"):
            run.check_soak_growth()
        elif "leak_check" in scenario.run:
            run.check_growth()
    except RuntimeError as error:
        run.violations.append(str(error))
        print(f"FAIL {error}", flush=True)
    finally:
        run.stop()
    run.summary(time.monotonic() - began)
    if run.violations:
        print(f"{len(run.violations)} violation(s); logs in {run.work_dir}", flush=True)
        return 1
    print("all invariants held", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
