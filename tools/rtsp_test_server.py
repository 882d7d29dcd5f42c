#!/usr/bin/python3
"""A real RTSP server for camfleet's tests, on loopback only.

GStreamer's RTSP server (run with Debian's /usr/bin/python3 and its python3-gi)
serves an H.264 test picture, 640x360 at 15 fps with a key frame every 30
frames, at /stream1 of every --camera address. Nobody at camfleet wrote it, so
tests against it check camfleet against an independent RTSP implementation.

A --silent address accepts TCP connections, reads whatever comes and never
answers: a camera whose RTSP server hangs.

Output on stdout, one line each, flushed:
  ready                    every address is bound
  connected ADDR:PORT      a client connected to that camera or silent address
  closed ADDR:PORT         that client's connection is gone
  teardown ADDR:PORT       a client sent TEARDOWN to that camera
ADDR:PORT is written as given on the command line ([::1]:8554 for IPv6).

Stops on SIGTERM or SIGINT and, with --watch-stdin, when stdin reaches end of
file (so that it never outlives a test process that died).
"""

import argparse
import ipaddress
import signal
import socket
import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtsp", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtsp, GstRtspServer  # noqa: E402

PIPELINE = (
    "( videotestsrc is-live=true ! video/x-raw,width=640,height=360,framerate=15/1 "
    "! x264enc tune=zerolatency key-int-max=30 speed-preset=ultrafast "
    "! rtph264pay name=pay0 pt=96 )"
)
MOUNT = "/stream1"
ROLE = "camera-user"


def emit(event, label):
    print(f"{event} {label}", flush=True)


def parse_address(text):
    """'127.1.2.3:8554' or '[::1]:8554' -> (address, port, label); loopback only."""
    host, sep, port_text = text.rpartition(":")
    if not sep or not port_text.isdigit():
        raise argparse.ArgumentTypeError(f"not ADDR:PORT: {text}")
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    try:
        address = ipaddress.ip_address(host)
    except ValueError as err:
        raise argparse.ArgumentTypeError(f"not an IP literal: {host}") from err
    if not address.is_loopback:
        raise argparse.ArgumentTypeError(f"refusing {host}: only 127.0.0.0/8 and ::1 are allowed")
    port = int(port_text)
    if not 0 < port < 65536:
        raise argparse.ArgumentTypeError(f"bad port: {port}")
    label = f"[{host}]:{port}" if address.version == 6 else f"{host}:{port}"
    return str(address), port, label


def make_auth(args):
    """Basic or digest authentication for one user, with access to the mount."""
    token = GstRtspServer.RTSPToken()
    token.set_string("media.factory.role", ROLE)
    auth = GstRtspServer.RTSPAuth()
    if args.auth == "basic":
        auth.set_supported_methods(GstRtsp.RTSPAuthMethod.BASIC)
        auth.add_basic(GstRtspServer.RTSPAuth.make_basic(args.user, args.password), token)
    else:
        auth.set_supported_methods(GstRtsp.RTSPAuthMethod.DIGEST)
        auth.add_digest(args.user, args.password, token)
    permissions = GstRtspServer.RTSPPermissions()
    permissions.add_role_from_structure(Gst.Structure.new_from_string(
        f"{ROLE}, media.factory.access=(boolean)true, media.factory.construct=(boolean)true"))
    return auth, permissions


class Camera:
    def __init__(self, address, port, label, args):
        self.label = label
        self.server = GstRtspServer.RTSPServer()
        self.server.set_address(address)
        self.server.set_service(str(port))
        if args.max_sessions > 0:
            self.server.get_session_pool().set_max_sessions(args.max_sessions)
        factory = GstRtspServer.RTSPMediaFactory()
        factory.set_launch(PIPELINE)
        factory.set_shared(False)
        if args.user is not None:
            auth, permissions = make_auth(args)
            self.server.set_auth(auth)
            factory.set_permissions(permissions)
        self.server.get_mount_points().add_factory(MOUNT, factory)
        self.server.connect("client-connected", self.on_client)
        if self.server.attach(None) == 0:
            raise OSError(f"cannot bind {label}")

    def on_client(self, _server, client):
        emit("connected", self.label)
        client.connect("closed", lambda _client: emit("closed", self.label))
        client.connect("teardown-request", lambda _client, _ctx: emit("teardown", self.label))


class SilentListener:
    def __init__(self, address, port, label):
        self.label = label
        family = socket.AF_INET6 if ":" in address else socket.AF_INET
        self.sock = socket.socket(family, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((address, port))
        self.sock.listen(64)
        self.sock.setblocking(False)
        self.connections = {}
        GLib.io_add_watch(self.sock.fileno(), GLib.PRIORITY_DEFAULT, GLib.IOCondition.IN,
                          self.on_accept)

    def on_accept(self, _fd, _condition):
        try:
            conn, _peer = self.sock.accept()
        except BlockingIOError:
            return True
        conn.setblocking(False)
        self.connections[conn.fileno()] = conn
        emit("connected", self.label)
        GLib.io_add_watch(conn.fileno(), GLib.PRIORITY_DEFAULT,
                          GLib.IOCondition.IN | GLib.IOCondition.HUP | GLib.IOCondition.ERR,
                          self.on_data)
        return True

    def on_data(self, fd, _condition):
        conn = self.connections[fd]
        try:
            if conn.recv(4096):
                return True
        except BlockingIOError:
            return True
        except OSError:
            pass
        del self.connections[fd]
        conn.close()
        emit("closed", self.label)
        return False


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--camera", action="append", default=[], type=parse_address,
                        metavar="ADDR:PORT", help=f"serve {MOUNT} here (repeatable)")
    parser.add_argument("--silent", action="append", default=[], type=parse_address,
                        metavar="ADDR:PORT", help="accept, read, never answer (repeatable)")
    parser.add_argument("--user", help="require this user name")
    parser.add_argument("--password", help="and this password")
    parser.add_argument("--auth", choices=["basic", "digest"], default="digest",
                        help="authentication method when --user is given (Tapo: digest)")
    parser.add_argument("--max-sessions", type=int, default=0,
                        help="answer SETUP with 503 beyond this many sessions (0: no limit)")
    parser.add_argument("--watch-stdin", action="store_true",
                        help="stop when stdin reaches end of file")
    args = parser.parse_args()
    if (args.user is None) != (args.password is None):
        parser.error("--user and --password go together")
    if not args.camera and not args.silent:
        parser.error("nothing to serve: give --camera or --silent")

    Gst.init(None)
    loop = GLib.MainLoop()
    try:
        keep = [Camera(*a, args) for a in args.camera]
        keep += [SilentListener(*a) for a in args.silent]
    except OSError as err:
        print(f"rtsp_test_server: {err}", file=sys.stderr, flush=True)
        return 1

    def stop(*_):
        loop.quit()
        return False

    GLib.unix_signal_add(GLib.PRIORITY_HIGH, signal.SIGTERM, stop)
    GLib.unix_signal_add(GLib.PRIORITY_HIGH, signal.SIGINT, stop)
    if args.watch_stdin:
        GLib.io_add_watch(sys.stdin.fileno(), GLib.PRIORITY_DEFAULT,
                          GLib.IOCondition.IN | GLib.IOCondition.HUP | GLib.IOCondition.ERR,
                          lambda fd, _c: stop() if not sys.stdin.buffer.raw.read(4096) else True)

    print("ready", flush=True)
    loop.run()
    del keep
    return 0


if __name__ == "__main__":
    sys.exit(main())
