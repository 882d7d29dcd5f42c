"""Chaos scenarios: a distinctive camera password, and the scan for it everywhere.

Every camera's password in a chaos run is SECRET (but for scenarios that give a
camera a deliberately wrong one): camsim gets it in its scenario, camfleetd
reads it from an environment variable (even cameras) or a mode-600 file (odd
cameras), never from the configuration file. At the end of every scenario the
runner scans every log line of camfleetd and camsim, every admin API answer,
/metrics, the patrol log and every path under the snapshot directory for it, in
the forms a leak would take: as is, percent-encoded (as in an RTSP URL), in
base64 (a Basic Authorization header, alone or as user:password).
"""
import base64
import http.client
import os
import re
import urllib.parse

from chaos_scenario import require_loopback

# Distinctive, and with the characters a URL must escape ('@', ':', '/').
SECRET = "Wombat-7q@k:9/Zr"
SECRET_ENV = "CAMFLEET_CHAOS_PASSWORD"
TOKEN = "chaos-admin-token-5f3a"
TOKEN_ENV = "CAMFLEET_CHAOS_ADMIN_TOKEN"


def secret_forms(secret, usernames):
    """{form name: bytes} of every way `secret` could show up."""
    forms = {
        "as is": secret,
        "percent-encoded": urllib.parse.quote(secret, safe=""),
        "percent-encoded, lower-case hex": re.sub(r"%[0-9A-F]{2}", lambda m: m.group(0).lower(),
                                                  urllib.parse.quote(secret, safe="")),
        "percent-encoded but '/'": urllib.parse.quote(secret),
        "form-encoded": urllib.parse.quote_plus(secret),
        "base64": base64.b64encode(secret.encode()).decode(),
    }
    for user in sorted(usernames):
        forms[f"base64 of {user}:password"] = base64.b64encode(
            f"{user}:{secret}".encode()).decode()
    # One name per distinct needle (quote_plus equals quote here, for one).
    unique = {}
    for name, text in forms.items():
        unique.setdefault(text, name)
    return {name: text.encode() for text, name in unique.items()}


def use_secret_passwords(scenario, work_dir):
    """Gives every camera of `scenario` SECRET, in camsim's scenario and as an
    env or file source for camfleetd. Returns (env additions, per-camera config
    overrides). A camera whose configuration the scenario overrides with a
    "password" (a deliberately wrong one) keeps that value, from a file too."""
    secrets_dir = os.path.join(work_dir, "secrets")
    os.makedirs(secrets_dir, mode=0o700, exist_ok=True)
    env = {SECRET_ENV: SECRET, TOKEN_ENV: TOKEN}
    overrides = {}
    camera_extra = scenario.camfleet.get("cameras", {})
    for index, (cid, camera) in enumerate(sorted(scenario.cameras.items())):
        credentials = camera.get("credentials")
        if not credentials:
            continue
        credentials["password"] = SECRET
        wrong = camera_extra.get(cid, {}).get("password")
        if index % 2 == 0 and wrong is None:
            overrides[cid] = {"password_env": SECRET_ENV}
            continue
        path = os.path.join(secrets_dir, f"{cid}.password")
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as f:
            f.write((wrong if wrong is not None else SECRET) + "\n")
        overrides[cid] = {"password_file": path}
    return env, overrides


def scan(where, data, forms):
    """The findings of any form in `data` (bytes), each naming where and which form."""
    return [f"{where}: the camera password appears ({name})"
            for name, needle in forms.items() if needle in data]


def scan_file(path, forms, label=None):
    try:
        with open(path, "rb") as f:
            data = f.read()
    except FileNotFoundError:
        return []
    return scan(label or path, data, forms)


def scan_paths(directory, forms):
    findings = []
    for root, dirs, files in os.walk(directory):
        for name in dirs + files:
            path = os.path.join(root, name)
            findings += scan(f"path {path}", path.encode(), forms)
    return findings


def admin_targets(camera_ids, subnets):
    """(method, target) of every admin endpoint a client can read."""
    targets = [("GET", "/"), ("GET", "/metrics"), ("GET", "/v1/fleet"), ("GET", "/v1/cameras"),
               ("GET", "/v1/cameras?stuck=true"), ("GET", "/v1/subnets"),
               ("GET", "/v1/nowhere"), ("POST", "/v1/reload")]
    for cid in sorted(camera_ids):
        targets += [("GET", f"/v1/cameras/{cid}"), ("GET", f"/v1/cameras/{cid}/snapshot")]
    for name in sorted(subnets):
        targets += [("GET", f"/v1/subnets/{name}"), ("GET", f"/v1/subnets/{name}/patrols")]
    return targets


def admin_answers(port, camera_ids, subnets):
    """[(label, status, body bytes)] for every endpoint, and a request with a wrong token."""
    require_loopback("127.0.0.1")
    answers = []
    requests = [(m, t, TOKEN) for m, t in admin_targets(camera_ids, subnets)]
    requests.append(("GET", "/v1/fleet", "not-the-token"))
    for method, target, token in requests:
        label = f"admin {method} {target}" + ("" if token == TOKEN else " with a wrong token")
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        try:
            conn.request(method, target, body="{}" if method == "POST" else None,
                         headers={"Authorization": f"Bearer {token}"})
            reply = conn.getresponse()
            body = reply.read()
            head = "".join(f"{k}: {v}\n" for k, v in reply.getheaders()).encode()
            answers.append((label, reply.status, head + body))
        finally:
            conn.close()
    return answers
