#!/usr/bin/python3
"""Signals and files: the real camfleetd against camsim, killed, reloaded, starved.

One check per run, each bounded in time and stopping everything it started:

  sigterm       SIGTERM while sessions are open: exit 0, and camsim counted a
                TEARDOWN for every session the daemon started, none expired,
                no connection left.
  kill_restart  SIGKILL at seeded random moments during patrols, then a
                restart, repeated: after each kill every latest.jpg is a whole
                JPEG (FFD8 ... FFD9) and every complete patrol log line parses;
                after each restart no temporary of the killed process is left
                and the log holds only whole lines (a torn tail, injected once,
                is cut off with a warning naming the file and the offset).
  sighup        SIGHUP reloads the configuration as the admin API does: a camera
                added is patrolled; an invalid file logs every problem and
                changes nothing (--admin adds an admin interface to the run).
  storage       the snapshot directory made unwritable (a subnet's directory
                replaced by a regular file), missing (renamed away), full (a
                tiny tmpfs in a mount namespace, filled up) and over a file
                size limit (prlimit on the running daemon): the affected
                captures fail as storage_error naming the path and the OS
                error, the others go on, the patrol log keeps its lines, no
                temporary is left, and captures resume once it is fixed.

Exit status 0 when the check held, 1 when it failed, 2 for a bad command line.
Loopback only. Debian's python3 and its standard library only.
"""
import argparse
import http.client
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time

from chaos_processes import Child, daemon_sockets, start_camsim

CAMERA_STREAM = {"width": 320, "height": 180, "fps": 25, "key_frame_interval": 5}
CREDENTIALS = {"username": "camsim", "password": "camsim-pass"}


class CheckFailed(Exception):
    pass


def camsim_camera(cid, address, **extra):
    camera = {"id": cid, "address": address, "port": 0, "model": "Tapo C310", "auth": "digest",
              "credentials": CREDENTIALS, "stream": dict(CAMERA_STREAM), "behaviour": "healthy"}
    camera.update(extra)
    return camera


class Bench:
    """camsim, a camfleetd configuration for it, and camfleetd runs."""

    def __init__(self, args, subnets):
        self.args = args
        self.work = os.path.abspath(args.work_dir)
        shutil.rmtree(self.work, ignore_errors=True)
        os.makedirs(self.work)
        try:
            self.camsim, self.api = start_camsim(args.camsim, {"subnets": subnets,
                                                               "timeline": []}, self.work)
        except RuntimeError as error:
            raise CheckFailed(str(error)) from None
        self.cameras = self.api.cameras()
        self.subnets = {s["name"]: [c["id"] for c in s["cameras"]] for s in subnets}
        self.daemon = None
        self.runs = 0
        self.config_path = os.path.join(self.work, "camfleet.json")
        self.patrol_log = os.path.join(self.work, "patrols.jsonl")
        self.snapshot_dir = os.path.join(self.work, "snapshots")

    def config(self, cameras=None, extra=None, snapshot_dir=None):
        """A configuration for camsim's cameras (all, or the ids given)."""
        subnets = []
        for name, ids in self.subnets.items():
            entries = []
            for cid in ids:
                if cameras is not None and cid not in cameras:
                    continue
                live = self.cameras[cid]
                path = re.sub(r"^rtsp://[^/]*", "", live["url"]) or "/"
                entries.append({"id": cid, "host": live["address"], "port": live["port"],
                                "path": path, "username": CREDENTIALS["username"],
                                "password": CREDENTIALS["password"]})
            if entries:
                subnets.append({"name": name, "cameras": entries})
        config = {
            "snapshot_dir": snapshot_dir or self.snapshot_dir,
            "patrol_log": self.patrol_log,
            "log": {"level": "info", "format": "text"},
            "defaults": {
                "subnet": {"patrol_interval_ms": 150, "parallel_captures": 4,
                           "patrol_deadline_ms": 2500},
                "camera": {"connect_budget_ms": 1000, "capture_budget_ms": 1500,
                           "teardown_budget_ms": 300, "backoff_initial_ms": 100,
                           "backoff_max_ms": 300}},
            "subnets": subnets,
        }
        config.update(extra or {})
        return config

    def write_config(self, config):
        """Through a temporary file and a rename, as an operator's editor would."""
        temporary = self.config_path + ".new"
        with open(temporary, "w", encoding="utf-8") as f:
            if isinstance(config, str):
                f.write(config)
            else:
                json.dump(config, f, indent=1)
        os.replace(temporary, self.config_path)

    def start_daemon(self, prefix=(), extra_args=()):
        self.runs += 1
        self.log_path = os.path.join(self.work, f"camfleetd-{self.runs}.log")
        self.daemon = Child("camfleetd", [*prefix, self.args.camfleetd, "--config",
                                          self.config_path, *extra_args], self.log_path)
        return self.daemon

    def daemon_log(self):
        with open(self.log_path, encoding="utf-8", errors="replace") as f:
            return f.read()

    def wait_for_log(self, pattern, budget_s, after=0):
        """The first match of `pattern` in the daemon's log past offset `after`."""
        end = time.monotonic() + budget_s
        regex = re.compile(pattern)
        while time.monotonic() < end:
            match = regex.search(self.daemon_log(), after)
            if match:
                return match
            if not self.daemon.running():
                break
            time.sleep(0.02)
        raise CheckFailed(f"camfleetd did not log /{pattern}/ within {budget_s} s:\n"
                          f"{self.daemon.tail(30)}")

    def patrol_lines(self, strict=True):
        """The patrol log's lines; strict: every line whole and valid JSON."""
        try:
            with open(self.patrol_log, "rb") as f:
                data = f.read()
        except FileNotFoundError:
            return []
        text = data.decode("utf-8", errors="replace")
        parts = text.split("\n")
        tail = parts.pop()
        if tail and strict:
            raise CheckFailed(f"{self.patrol_log}: torn last line at byte offset "
                              f"{len(data) - len(tail.encode())}: {tail[:80]!r}")
        lines = []
        for number, part in enumerate(parts, 1):
            try:
                lines.append(json.loads(part))
            except json.JSONDecodeError as error:
                raise CheckFailed(f"{self.patrol_log}: line {number} is not JSON ({error}): "
                                  f"{part[:120]!r}") from None
        return lines

    def wait_for_patrol(self, predicate, budget_s, what):
        """Waits for a new patrol line (after those already there) satisfying predicate."""
        seen = len(self.patrol_lines(strict=False))
        end = time.monotonic() + budget_s
        while time.monotonic() < end:
            lines = self.patrol_lines(strict=False)
            for line in lines[seen:]:
                if predicate(line):
                    return line
            seen = len(lines)
            if not self.daemon.running():
                break
            time.sleep(0.05)
        raise CheckFailed(f"no patrol {what} within {budget_s} s:\n{self.daemon.tail(30)}")

    def stop(self):
        if self.daemon is not None and self.daemon.running():
            self.daemon.stop(10)
        self.camsim.stop(10)


def outcomes(line):
    return {c["camera"]: c for c in line["cameras"]}


def all_captured(line):
    return all(c["outcome"] == "captured" for c in line["cameras"])


def temporaries(directory):
    found = []
    for root, _, files in os.walk(directory):
        found += [os.path.join(root, f) for f in files if ".tmp-" in f]
    return found


def check_jpegs(directory):
    """Every latest.jpg is whole: starts with SOI (FFD8) and ends with EOI (FFD9)."""
    count = 0
    for root, _, files in os.walk(directory):
        for name in files:
            if name != "latest.jpg":
                continue
            path = os.path.join(root, name)
            with open(path, "rb") as f:
                data = f.read()
            if len(data) < 4 or data[:2] != b"\xff\xd8" or data[-2:] != b"\xff\xd9":
                raise CheckFailed(f"{path}: not a whole JPEG ({len(data)} bytes, starts "
                                  f"{data[:2].hex()}, ends {data[-2:].hex()})")
            count += 1
    return count


# --- sigterm ----------------------------------------------------------------

def check_sigterm(args):
    # A key frame every 4 s at 25 fps: each capture holds its session while it
    # waits for one, so the SIGTERM lands while sessions are open.
    slow_keys = dict(CAMERA_STREAM, key_frame_interval=100)
    bench = Bench(args, [{"name": "yard", "prefix": "127.71.1.0/24", "cameras": [
        camsim_camera("yard-a", "127.71.1.10", stream=slow_keys),
        camsim_camera("yard-b", "127.71.1.11", stream=slow_keys),
        camsim_camera("yard-c", "127.71.1.12", stream=slow_keys)]}])
    try:
        config = bench.config()
        config["defaults"]["camera"].update({"capture_budget_ms": 20000,
                                             "connect_budget_ms": 5000})
        config["defaults"]["subnet"]["patrol_deadline_ms"] = 30000
        bench.write_config(config)
        daemon = bench.start_daemon()
        end = time.monotonic() + 15
        while True:
            cams = bench.api.cameras()
            active = sum(c["active_sessions"] for c in cams.values())
            if active == len(cams):
                break
            if time.monotonic() > end:
                raise CheckFailed(f"sessions never opened on every camera: {active} active")
            time.sleep(0.02)
        signalled = time.monotonic()
        daemon.proc.send_signal(signal.SIGTERM)
        try:
            status = daemon.proc.wait(10)
        except subprocess.TimeoutExpired:
            raise CheckFailed("camfleetd did not exit within 10 s of SIGTERM") from None
        took = time.monotonic() - signalled
        print(f"SIGTERM with {active} sessions open: exit status {status} after {took:.2f} s")
        if status != 0:
            raise CheckFailed(f"camfleetd exited with {status} on SIGTERM:\n{daemon.tail(20)}")
        time.sleep(0.3)  # camsim notices the closes
        for cid, cam in bench.api.cameras().items():
            print(f"  {cid}: sessions_started={cam['sessions_started']} teardowns_received="
                  f"{cam['teardowns_received']} sessions_expired={cam['sessions_expired']} "
                  f"open_connections={cam['open_connections']}")
            if cam["sessions_started"] < 1 or cam["teardowns_received"] != \
                    cam["sessions_started"] or cam["sessions_expired"] or cam["open_connections"]:
                raise CheckFailed(f"camera {cid}: a session was not torn down: {cam}")
        if temporaries(bench.snapshot_dir):
            raise CheckFailed(f"temporaries left: {temporaries(bench.snapshot_dir)}")
    finally:
        bench.stop()


# --- kill_restart -----------------------------------------------------------

def check_kill_restart(args):
    rng = random.Random(args.seed)
    # A kill leaves its sessions open on the cameras until they time out (the
    # incident camfleetd exists to prevent, which SIGKILL gives no chance to
    # avoid): cameras with room for them and a short session timeout.
    bench = Bench(args, [{"name": "gate", "prefix": "127.72.1.0/24", "cameras": [
        camsim_camera(f"gate-{i}", f"127.72.1.{10 + i}", session_limit=16, session_timeout_s=2)
        for i in range(4)]}])
    stats = {"kills": 0, "killed_mid_capture": 0, "temporaries_at_kill": 0, "torn_at_kill": 0}
    try:
        bench.write_config(bench.config())
        inject_torn_at = args.kills // 2
        for kill in range(args.kills):
            daemon = bench.start_daemon()
            killed_pid = daemon.pid
            offset = bench.wait_for_log(r"patrolling \d+ cameras", 10).end()
            # The restart's cleanup ran before that line: nothing of an
            # earlier, killed process may be left.
            left = temporaries(bench.snapshot_dir)
            stale = [t for t in left if f".tmp-{daemon.pid}-" not in t]
            if stale:
                raise CheckFailed(f"after restart {kill}: temporaries of a killed run left: "
                                  f"{stale}")
            if kill == inject_torn_at + 1:
                match = bench.wait_for_log(r'patrol log "([^"]+)": its last line was '
                                           r"unterminated.*removed (\d+) bytes from byte "
                                           r"offset (\d+)", 1)
                if match.group(1) != bench.patrol_log:
                    raise CheckFailed(f"the repair warning names {match.group(1)}")
                print(f"restart {kill}: torn tail repaired: {match.group(0)}")
            bench.patrol_lines(strict=False)  # whole lines so far all parse
            # Kill at a seeded random moment of the patrols that follow.
            time.sleep(rng.uniform(0.05, 1.2))
            lines_before = len(bench.patrol_lines(strict=False))
            capturing = bool(daemon_sockets(killed_pid))
            os.kill(killed_pid, signal.SIGKILL)
            daemon.proc.wait(5)
            daemon.stop()
            stats["kills"] += 1
            stats["killed_mid_capture"] += int(capturing)
            stats["temporaries_at_kill"] += len(temporaries(bench.snapshot_dir))
            check_jpegs(bench.snapshot_dir)
            try:
                lines = bench.patrol_lines(strict=True)
            except CheckFailed as torn:
                stats["torn_at_kill"] += 1
                print(f"kill {kill}: {torn}")
                lines = bench.patrol_lines(strict=False)
            if len(lines) < lines_before:
                raise CheckFailed(f"kill {kill}: the patrol log lost lines")
            if kill == inject_torn_at:
                # What a kill inside the kernel's copy, or a full disk, leaves.
                with open(bench.patrol_log, "ab") as f:
                    f.write(b'{"subnet": "gate", "patrol": 99, "cameras": [{"cam')
        # A last run, stopped cleanly: everything whole, nothing temporary.
        bench.start_daemon()
        bench.wait_for_patrol(all_captured, 10, "with every camera captured after the kills")
        bench.daemon.stop(10)
        lines = bench.patrol_lines(strict=True)
        jpegs = check_jpegs(bench.snapshot_dir)
        if temporaries(bench.snapshot_dir):
            raise CheckFailed(f"temporaries left at the end: {temporaries(bench.snapshot_dir)}")
        if bench.daemon.proc.returncode != 0:
            raise CheckFailed(f"the last run exited with {bench.daemon.proc.returncode}")
        print(f"{stats['kills']} SIGKILLs (seed {args.seed}), {stats['killed_mid_capture']} "
              f"while the daemon held a camera connection, {stats['temporaries_at_kill']} "
              f"temporaries left by kills and removed by restarts, {stats['torn_at_kill']} torn "
              f"lines at a kill; {len(lines)} patrol lines and {jpegs} snapshots whole at the end")
    finally:
        bench.stop()


# --- sighup -----------------------------------------------------------------

def check_sighup(args):
    bench = Bench(args, [{"name": "dock", "prefix": "127.73.1.0/24", "cameras": [
        camsim_camera(f"dock-{i}", f"127.73.1.{10 + i}") for i in range(3)]}])
    try:
        extra = {"admin": {"listen": "127.0.0.1:0"}} if args.admin else None
        first = bench.config(cameras={"dock-0", "dock-1"}, extra=extra)
        bench.write_config(first)
        port_file = os.path.join(bench.work, "admin.port")
        daemon = bench.start_daemon(
            extra_args=["--admin-port-file", port_file] if args.admin else [])
        bench.wait_for_patrol(lambda l: set(outcomes(l)) == {"dock-0", "dock-1"}, 10,
                              "of the first two cameras")

        # A camera added to the file, then SIGHUP.
        bench.write_config(bench.config(extra=extra))
        offset = len(bench.daemon_log())
        daemon.proc.send_signal(signal.SIGHUP)
        bench.wait_for_log(r"SIGHUP received: reloading", 5, offset)
        bench.wait_for_log(r"configuration reloaded: 1 cameras added, 0 removed, 0 changed", 5,
                           offset)
        line = bench.wait_for_patrol(
            lambda l: outcomes(l).get("dock-2", {}).get("outcome") == "captured", 10,
            "with the added camera captured")
        print(f"SIGHUP added dock-2: captured in patrol {line['patrol']}")
        if args.admin:
            check_admin_sees(bench, port_file, "dock-2")

        # An invalid file: every problem logged, nothing changed.
        broken = bench.config(extra=extra)
        broken["subnets"][0]["cameras"][0]["port"] = 70000
        broken["subnets"][0]["cameras"][1]["colour"] = "red"
        bench.write_config(broken)
        offset = len(bench.daemon_log())
        daemon.proc.send_signal(signal.SIGHUP)
        bench.wait_for_log(r"configuration reload refused: 2 problems", 5, offset)
        log = bench.daemon_log()[offset:]
        for problem in (r"subnets\[0\]\.cameras\[0\]\.port: must be between 1 and 65535",
                        r"subnets\[0\]\.cameras\[1\]\.colour: unknown key"):
            if not re.search(problem, log):
                raise CheckFailed(f"the refused reload did not log /{problem}/:\n{log}")
        line = bench.wait_for_patrol(lambda l: True, 5, "after the refused reload")
        if set(outcomes(line)) != {"dock-0", "dock-1", "dock-2"} or not all_captured(line):
            raise CheckFailed(f"the refused reload changed the patrols: {line}")
        print(f"SIGHUP with 2 problems: both logged, patrol {line['patrol']} unchanged")
        if not daemon.running():
            raise CheckFailed("camfleetd ended after SIGHUP")
        daemon.stop(10)
        if daemon.proc.returncode != 0:
            raise CheckFailed(f"camfleetd exited with {daemon.proc.returncode}")
    finally:
        bench.stop()


def admin_get(port_file, target):
    """GET `target` from the daemon's admin interface (no token); the JSON answer."""
    with open(port_file, encoding="ascii") as f:
        port = int(f.read())
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        conn.request("GET", target)
        return json.loads(conn.getresponse().read())
    finally:
        conn.close()


def check_admin_sees(bench, port_file, camera):
    ids = {c["id"] for c in admin_get(port_file, "/v1/cameras")["cameras"]}
    if camera not in ids:
        raise CheckFailed(f"the admin API does not list {camera} after SIGHUP: {sorted(ids)}")
    print(f"the admin API lists {sorted(ids)}")


# --- storage ----------------------------------------------------------------

def check_storage(args):
    bench = Bench(args, [
        {"name": "east", "prefix": "127.74.1.0/24", "cameras": [
            camsim_camera("east-0", "127.74.1.10"), camsim_camera("east-1", "127.74.1.11")]},
        {"name": "west", "prefix": "127.74.2.0/24", "cameras": [
            camsim_camera("west-0", "127.74.2.10")]}])
    try:
        # The snapshots live on a 512 KiB tmpfs of the daemon's own mount
        # namespace, which this runner reaches through /proc/PID/root.
        mount_point = os.path.join(bench.work, "disk")
        os.makedirs(mount_point)
        snapshot_dir = os.path.join(mount_point, "snapshots")
        bench.write_config(bench.config(snapshot_dir=snapshot_dir,
                                        extra={"admin": {"listen": "127.0.0.1:0"}}))
        port_file = os.path.join(bench.work, "admin.port")
        unshare = ["/usr/bin/unshare", "--mount"] if os.geteuid() == 0 else \
            ["/usr/bin/unshare", "--user", "--map-root-user", "--mount"]
        script = (f'mount -t tmpfs -o size=512k tmpfs "$1" && mkdir "$1/snapshots" && '
                  'shift && exec "$@"')
        daemon = bench.start_daemon(prefix=[*unshare, "/bin/sh", "-c", script, "sh",
                                            mount_point],
                                    extra_args=["--admin-port-file", port_file])
        bench.wait_for_log(r"patrolling 3 cameras", 10)
        seen_root = f"/proc/{daemon.pid}/root"
        disk = seen_root + mount_point
        snapshots = seen_root + snapshot_dir

        def captured_everywhere(what):
            for subnet in ("east", "west"):
                bench.wait_for_patrol(lambda l: l["subnet"] == subnet and all_captured(l), 10,
                                      f"of {subnet} with every camera captured {what}")

        def failing(subnet, pattern, what):
            def storage_failed(line):
                if line["subnet"] != subnet:
                    return False
                cams = line["cameras"]
                failed = [c for c in cams if c.get("failure") == "storage_error"]
                return failed and all(re.search(pattern, c["detail"]) for c in failed)
            line = bench.wait_for_patrol(storage_failed, 10,
                                         f"of {subnet} with storage_error {what}")
            detail = next(c["detail"] for c in line["cameras"]
                          if c.get("failure") == "storage_error")
            print(f"{what}: {subnet} patrol {line['patrol']}: storage_error: {detail}")
            return line

        captured_everywhere("at the start")

        # Unwritable: the subnet's directory is a regular file.
        shutil.rmtree(os.path.join(snapshots, "east"))
        with open(os.path.join(snapshots, "east"), "w", encoding="ascii") as f:
            f.write("not a directory\n")
        failing("east", re.escape(os.path.join(snapshot_dir, "east")) +
                r'.*(Not a directory|File exists)', "unwritable")
        bench.wait_for_patrol(lambda l: l["subnet"] == "west" and all_captured(l), 10,
                              "of west captured while east cannot be written")
        os.remove(os.path.join(snapshots, "east"))
        captured_everywhere("after the east directory came back")

        # Missing: the snapshot directory is gone; the daemon must not recreate it.
        os.rename(snapshots, disk + "/snapshots.away")
        for subnet in ("east", "west"):
            failing(subnet, r'snapshot directory "' + re.escape(snapshot_dir) +
                    r'": No such file or directory', "missing")
        if os.path.exists(snapshots):
            raise CheckFailed("camfleetd recreated the missing snapshot directory")
        os.rename(disk + "/snapshots.away", snapshots)
        captured_everywhere("after the snapshot directory came back")

        # Full: fill the tmpfs, then free it.
        filler = disk + "/filler"
        with open(filler, "wb") as f:
            try:
                while True:
                    f.write(b"\0" * 65536)
                    f.flush()
            except OSError:
                pass
        for subnet in ("east", "west"):
            failing(subnet, r"No space left on device", "full")
        if temporaries(snapshots):
            raise CheckFailed(f"a full disk left temporaries: {temporaries(snapshots)}")
        os.remove(filler)
        captured_everywhere("after space came back")

        # A file size limit set on the running daemon (as a quota would): the
        # snapshots fail with EFBIG instead of SIGXFSZ killing the daemon; the
        # patrol log, past the limit too, loses lines but never tears one.
        # Its own log file is past the limit as well, so the admin API tells.
        prlimit = ["/usr/bin/prlimit", f"--pid={daemon.pid}"]
        subprocess.run(prlimit + ["--fsize=2048:"], check=True)
        end = time.monotonic() + 10
        while True:
            error = admin_get(port_file, "/v1/cameras/west-0")["last_error"]
            if error["kind"] == "storage_error" and "File too large" in error["message"]:
                break
            if time.monotonic() > end:
                raise CheckFailed(f"no storage_error 'File too large' within 10 s: {error}")
            time.sleep(0.05)
        print(f"size limit: west-0 last_error {error['kind']}: {error['message']}")
        subprocess.run(prlimit + ["--fsize=unlimited:"], check=True)
        if not daemon.running():
            raise CheckFailed("camfleetd died under a file size limit")
        captured_everywhere("after the size limit was lifted")

        if temporaries(snapshots):
            raise CheckFailed(f"temporaries left: {temporaries(snapshots)}")
        jpegs = check_jpegs(snapshots)
        daemon.stop(10)
        lines = bench.patrol_lines(strict=True)
        if daemon.proc.returncode != 0:
            raise CheckFailed(f"camfleetd exited with {daemon.proc.returncode}")
        print(f"{len(lines)} patrol lines, all whole; {jpegs} snapshots whole at the end")
    finally:
        bench.stop()


CHECKS = {"sigterm": check_sigterm, "kill_restart": check_kill_restart, "sighup": check_sighup,
          "storage": check_storage}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("check", choices=sorted(CHECKS))
    parser.add_argument("--camsim", required=True)
    parser.add_argument("--camfleetd", required=True)
    parser.add_argument("--work-dir", required=True, help="scratch directory (emptied first)")
    parser.add_argument("--kills", type=int, default=12, help="kill_restart: SIGKILLs (1-100)")
    parser.add_argument("--seed", type=int, default=6, help="kill_restart: random seed")
    parser.add_argument("--admin", action="store_true", help="sighup: with an admin interface")
    args = parser.parse_args()
    if not 1 <= args.kills <= 100:
        parser.error("--kills must be between 1 and 100")
    args.camsim = os.path.abspath(args.camsim)
    args.camfleetd = os.path.abspath(args.camfleetd)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    began = time.monotonic()
    try:
        CHECKS[args.check](args)
    except CheckFailed as error:
        print(f"FAIL {args.check}: {error}", flush=True)
        return 1
    print(f"{args.check}: held ({time.monotonic() - began:.1f} s)", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
