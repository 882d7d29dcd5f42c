"""Chaos scenarios: the processes, camsim's control API, another RTSP client, /proc."""
import base64
import ctypes
import hashlib
import http.client
import json
import os
import re
import select
import signal
import socket
import subprocess
import time

from chaos_scenario import require_loopback


def die_with_parent():
    """Makes a child get SIGKILL when the runner dies (CTest's timeout kills us)."""
    libc = ctypes.CDLL(None, use_errno=True)
    pr_set_pdeathsig = 1
    libc.prctl(pr_set_pdeathsig, signal.SIGKILL)


# --- processes --------------------------------------------------------------

class Child:
    """A child process whose stderr (and stdout unless piped) goes to a log file."""

    def __init__(self, name, args, log_path, pipe_stdout=False, env_extra=None):
        self.name = name
        self.log_path = log_path
        self.log = open(log_path, "wb")
        env = dict(os.environ, **env_extra) if env_extra else None
        self.proc = subprocess.Popen(
            args, stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE if pipe_stdout else self.log, stderr=self.log,
            preexec_fn=die_with_parent, env=env)

    @property
    def pid(self):
        return self.proc.pid

    def running(self):
        return self.proc.poll() is None

    def first_line(self, budget_s):
        end = time.monotonic() + budget_s
        data = b""
        while b"\n" not in data:
            left = end - time.monotonic()
            if left <= 0 or not select.select([self.proc.stdout], [], [], left)[0]:
                return None
            chunk = os.read(self.proc.stdout.fileno(), 4096)
            if not chunk:
                return None
            data += chunk
        return data.split(b"\n", 1)[0].decode(errors="replace")

    def stop(self, budget_s=10.0):
        """SIGTERM, then SIGKILL after budget_s. Returns the exit status."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(budget_s)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        if self.proc.stdout:
            self.proc.stdout.close()
        self.log.close()
        return self.proc.returncode

    def tail(self, lines=15):
        try:
            with open(self.log_path, "rb") as f:
                text = f.read().decode(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])


def start_camsim(camsim_bin, scenario, work_dir):
    """Starts camsim on `scenario` (a dict, written to work_dir) and waits for its
    ready line. Returns (the child, its ControlApi); RuntimeError if it never got ready."""
    scenario_path = os.path.join(work_dir, "camsim-scenario.json")
    with open(scenario_path, "w", encoding="utf-8") as f:
        json.dump(scenario, f, indent=1)
    camsim = Child("camsim", [camsim_bin, "--scenario", scenario_path,
                              "--control", "127.0.0.1:0"],
                   os.path.join(work_dir, "camsim.log"), pipe_stdout=True)
    ready = camsim.first_line(30)
    if not ready or not ready.startswith("ready control="):
        camsim.stop(5)
        raise RuntimeError(f"camsim did not get ready: {ready!r}\n{camsim.tail()}")
    return camsim, ControlApi(ready.split()[1].split("=", 1)[1])


class ControlApi:
    """camsim's control API over plain http.client (never a proxy)."""

    def __init__(self, address):
        host, port = address.rsplit(":", 1)
        require_loopback(host)
        self.host, self.port = host, int(port)

    def request(self, method, path, body=None):
        conn = http.client.HTTPConnection(self.host, self.port, timeout=5)
        try:
            conn.request(method, path, body=json.dumps(body) if body is not None else None)
            reply = conn.getresponse()
            data = reply.read()
            if reply.status != 200:
                raise RuntimeError(f"camsim {method} {path}: {reply.status} {data!r}")
            return json.loads(data)
        finally:
            conn.close()

    def cameras(self):
        return {c["id"]: c for c in self.request("GET", "/cameras")["cameras"]}


class SessionHolder:
    """Another client holding sessions on a camera: SETUP (Digest or Basic), no PLAY.

    Its connections and sessions are subtracted from camsim's counters, so that
    the checks see only the daemon's.
    """

    def __init__(self, camera, credentials):
        require_loopback(camera["address"])
        self.camera = camera
        self.credentials = credentials or {}
        self.connections = []  # (socket, session id or None, cseq)
        self.sessions_started = 0
        self.teardowns = 0

    def _exchange(self, sock, method, url, headers, cseq):
        sock.sendall(f"{method} {url} RTSP/1.0\r\nCSeq: {cseq}\r\n{headers}\r\n".encode())
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = sock.recv(4096)
            if not chunk:
                raise RuntimeError(f"{self.camera['id']}: connection closed during {method}")
            data += chunk
        head, _, rest = data.partition(b"\r\n\r\n")
        text = head.decode(errors="replace")
        length = 0
        for line in text.split("\r\n"):
            if line.lower().startswith("content-length:"):
                length = int(line.split(":", 1)[1])
        while len(rest) < length:
            rest += sock.recv(4096)
        return text

    def _authorization(self, challenge, method, url):
        user = self.credentials.get("username", "")
        password = self.credentials.get("password", "")
        if challenge.lower().startswith("basic"):
            token = base64.b64encode(f"{user}:{password}".encode()).decode()
            return f"Authorization: Basic {token}\r\n"
        fields = dict(re.findall(r'(\w+)="([^"]*)"', challenge))
        md5 = lambda s: hashlib.md5(s.encode()).hexdigest()  # noqa: E731
        ha1 = md5(f"{user}:{fields['realm']}:{password}")
        ha2 = md5(f"{method}:{url}")
        response = md5(f"{ha1}:{fields['nonce']}:{ha2}")
        return (f'Authorization: Digest username="{user}", realm="{fields["realm"]}", '
                f'nonce="{fields["nonce"]}", uri="{url}", response="{response}"\r\n')

    def hold(self):
        """Opens one more session; True when camsim gave it a slot."""
        sock = socket.create_connection((self.camera["address"], self.camera["port"]), 5)
        url = self.camera["url"] + "/trackID=1"
        transport = "Transport: RTP/AVP/TCP;unicast;interleaved=0-1\r\n"
        reply = self._exchange(sock, "SETUP", url, transport, 1)
        if reply.startswith("RTSP/1.0 401"):
            challenge = re.search(r"WWW-Authenticate:\s*(.*)", reply, re.I).group(1)
            reply = self._exchange(sock, "SETUP", url,
                                   transport + self._authorization(challenge, "SETUP", url), 2)
        match = re.search(r"^Session:\s*([^;\r\n]+)", reply, re.M | re.I)
        if not reply.startswith("RTSP/1.0 200") or not match:
            self.connections.append((sock, None, url))
            return False
        self.connections.append((sock, match.group(1).strip(), url))
        self.sessions_started += 1
        return True

    def keep_alive(self):
        """OPTIONS with the session on every held connection: a hold lasts past the
        camera's session timeout (60 s by default), so a long run or a soak does not
        see the runner's own sessions expire and blame the daemon for them."""
        for sock, session, url in self.connections:
            if session:
                try:
                    self._exchange(sock, "OPTIONS", url, f"Session: {session}\r\n", 3)
                except (OSError, RuntimeError):
                    pass

    def release(self):
        for sock, session, url in self.connections:
            try:
                if session:
                    auth = ""
                    reply = self._exchange(sock, "TEARDOWN", url, f"Session: {session}\r\n", 9)
                    if reply.startswith("RTSP/1.0 401"):
                        challenge = re.search(r"WWW-Authenticate:\s*(.*)", reply, re.I).group(1)
                        auth = self._authorization(challenge, "TEARDOWN", url)
                        reply = self._exchange(sock, "TEARDOWN", url,
                                               f"Session: {session}\r\n{auth}", 10)
                    if reply.startswith("RTSP/1.0 200"):
                        self.teardowns += 1
            except OSError:
                pass
            finally:
                sock.close()
        self.connections = []

    def open_connections(self):
        return len(self.connections)

    def active_sessions(self):
        return sum(1 for _, s, _ in self.connections if s)


# --- the daemon's /proc -----------------------------------------------------

def proc_stats(pid):
    """(descriptors, threads, rss_kib) of a process."""
    fds = len(os.listdir(f"/proc/{pid}/fd"))
    threads = rss = 0
    with open(f"/proc/{pid}/status", encoding="ascii") as f:
        for line in f:
            if line.startswith("Threads:"):
                threads = int(line.split()[1])
            elif line.startswith("VmRSS:"):
                rss = int(line.split()[1])
    return fds, threads, rss


def _hex_address(text):
    address, port = text.split(":")
    raw = bytes.fromhex(address)
    if len(raw) == 4:
        host = socket.inet_ntop(socket.AF_INET, raw[::-1])
    else:
        words = b"".join(raw[i:i + 4][::-1] for i in range(0, 16, 4))
        host = socket.inet_ntop(socket.AF_INET6, words)
    return host, int(port, 16)


def daemon_sockets(pid):
    """{socket inode: (remote host, remote port)} for the TCP sockets the process holds."""
    inodes = set()
    try:
        for fd in os.listdir(f"/proc/{pid}/fd"):
            try:
                target = os.readlink(f"/proc/{pid}/fd/{fd}")
            except OSError:
                continue
            if target.startswith("socket:["):
                inodes.add(int(target[8:-1]))
    except OSError:
        return {}
    result = {}
    for table in ("tcp", "tcp6"):
        try:
            with open(f"/proc/{pid}/net/{table}", encoding="ascii") as f:
                next(f)
                for line in f:
                    fields = line.split()
                    inode = int(fields[9])
                    if inode in inodes:
                        result[inode] = _hex_address(fields[2])
        except OSError:
            continue
    return result
