#!/usr/bin/python3
"""Plays N camsim cameras at once over RTSP/TCP and discards the RTP, for benchmarks.

Reads the camera list from camsim's control API, then for each of the first N
cameras: DESCRIBE, SETUP (interleaved TCP), PLAY, read for --seconds, TEARDOWN.
Loopback only: it refuses a control address outside 127.0.0.0/8.

    load_clients.py --control 127.0.0.1:9000 --cameras 200 --seconds 20
"""
import argparse
import asyncio
import ipaddress
import json
import sys
import urllib.request


async def exchange(reader, writer, cseq, method, url, headers=""):
    writer.write(f"{method} {url} RTSP/1.0\r\nCSeq: {cseq}\r\n{headers}\r\n".encode())
    await writer.drain()
    # Skip interleaved RTP until the reply's status line.
    while True:
        first = await reader.readexactly(1)
        if first == b"$":
            head = await reader.readexactly(3)
            await reader.readexactly(int.from_bytes(head[1:3], "big"))
            continue
        head = first + await reader.readuntil(b"\r\n\r\n")
        text = head.decode(errors="replace")
        length = 0
        for line in text.split("\r\n"):
            if line.lower().startswith("content-length:"):
                length = int(line.split(":", 1)[1])
        body = await reader.readexactly(length) if length else b""
        return text, body


async def play(camera, seconds, totals):
    reader, writer = await asyncio.open_connection(camera["address"], camera["port"])
    url = camera["url"]
    try:
        await exchange(reader, writer, 1, "DESCRIBE", url, "Accept: application/sdp\r\n")
        reply, _ = await exchange(reader, writer, 2, "SETUP", url + "/trackID=1",
                                  "Transport: RTP/AVP/TCP;unicast;interleaved=0-1\r\n")
        if not reply.startswith("RTSP/1.0 200"):
            totals["refused"] += 1
            return
        session = [l for l in reply.split("\r\n") if l.startswith("Session:")][0]
        session = session.split(":", 1)[1].split(";")[0].strip()
        await exchange(reader, writer, 3, "PLAY", url, f"Session: {session}\r\n")
        totals["playing"] += 1
        loop = asyncio.get_running_loop()
        end = loop.time() + seconds
        while loop.time() < end:
            try:
                data = await asyncio.wait_for(reader.read(65536), end - loop.time())
            except asyncio.TimeoutError:
                break
            if not data:
                break
            totals["bytes"] += len(data)
        await exchange(reader, writer, 4, "TEARDOWN", url, f"Session: {session}\r\n")
    finally:
        writer.close()


async def main_async(args):
    with urllib.request.urlopen(f"http://{args.control}/cameras", timeout=10) as reply:
        cameras = json.load(reply)["cameras"][: args.cameras]
    totals = {"playing": 0, "refused": 0, "bytes": 0}
    results = await asyncio.gather(*(play(c, args.seconds, totals) for c in cameras),
                                   return_exceptions=True)
    errors = [r for r in results if isinstance(r, Exception)]
    print(json.dumps({"cameras": len(cameras), "errors": len(errors), **totals,
                      "mbit_per_s": round(totals["bytes"] * 8 / args.seconds / 1e6, 1)}))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--control", required=True, help="camsim control API, loopback")
    parser.add_argument("--cameras", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=10)
    args = parser.parse_args()
    host = args.control.rsplit(":", 1)[0]
    if not ipaddress.ip_address(host).is_loopback:
        print("load_clients.py: the control address must be loopback", file=sys.stderr)
        return 2
    asyncio.run(main_async(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
