#!/usr/bin/python3
"""Writes a camsim scenario with N healthy cameras on loopback, for benchmarks.

Cameras get addresses 127.100.X.Y (250 per /24) and port 8554, all with the
same stream parameters so that camsim encodes one clip for all of them.

    make_fleet.py 1000 > /tmp/fleet-1000.json
"""
import json
import sys


def main() -> int:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    if not 1 <= count <= 60000:
        print("make_fleet.py: count must be from 1 to 60000", file=sys.stderr)
        return 2
    fps = int(sys.argv[2]) if len(sys.argv) > 2 else 15
    cameras = []
    for i in range(count):
        cameras.append({
            "id": f"cam{i:05d}",
            "address": f"127.100.{i // 250}.{i % 250 + 1}",
            "port": 8554,
            "model": "Tapo C110",
            "session_timeout_s": 60,
            "stream": {"width": 640, "height": 360, "fps": fps, "key_frame_interval": 2 * fps},
        })
    json.dump({"subnets": [{"name": "bench", "prefix": "127.100.0.0/16", "cameras": cameras}]},
              sys.stdout, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
