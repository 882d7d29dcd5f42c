#!/usr/bin/env python3
"""Writes the capture fuzz target's seeds (tests/data/fuzz/capture/).

Each seed is a scripted camera's replies, separated by lines
"--camfleet-fuzz-reply--" (see capture_fuzz.cpp). The H.264 picture comes from
an Annex B file given as argument (one key frame: SPS, PPS, IDR), made once
with GStreamer:

  gst-launch-1.0 videotestsrc num-buffers=1 ! video/x-raw,width=64,height=48 \
    ! x264enc tune=zerolatency speed-preset=ultrafast \
    ! video/x-h264,stream-format=byte-stream,profile=constrained-baseline \
    ! filesink location=one.h264

Usage: make_capture_seeds.py one.h264 OUTPUT_DIR
Standard library only.
"""
import base64
import os
import struct
import sys

SEP = b"--camfleet-fuzz-reply--\n"


def nal_units(annex_b):
    units, i = [], 0
    starts = []
    while True:
        j = annex_b.find(b"\x00\x00\x01", i)
        if j < 0:
            break
        starts.append(j + 3)
        i = j + 3
    for k, s in enumerate(starts):
        end = starts[k + 1] - 3 if k + 1 < len(starts) else len(annex_b)
        unit = annex_b[s:end]
        while unit.endswith(b"\x00"):
            unit = unit[:-1]
        units.append(unit)
    return units


def rtp_payloads(nal, mtu=1200):
    """Single NAL unit packets, or FU-A fragments (RFC 6184) when too long."""
    if len(nal) <= mtu:
        return [nal]
    header, body = nal[0], nal[1:]
    out = []
    for k in range(0, len(body), mtu):
        chunk = body[k:k + mtu]
        fu_header = header & 0x1F
        if k == 0:
            fu_header |= 0x80
        if k + mtu >= len(body):
            fu_header |= 0x40
        out.append(bytes([(header & 0xE0) | 28, fu_header]) + chunk)
    return out


def interleaved(payloads, seq=1000, ts=90000, ssrc=0x1234ABCD):
    out = b""
    for n, payload in enumerate(payloads):
        marker = 0x80 if n == len(payloads) - 1 else 0
        rtp = struct.pack("!BBHII", 0x80, marker | 96, (seq + n) & 0xFFFF, ts, ssrc) + payload
        out += b"$\x00" + struct.pack("!H", len(rtp)) + rtp
    return out


def reply(status, headers, body=b""):
    text = "RTSP/1.0 %s\r\nCSeq: $CSEQ\r\n" % status
    for name, value in headers:
        text += "%s: %s\r\n" % (name, value)
    if body:
        text += "Content-Length: %d\r\n" % len(body)
    return text.encode() + b"\r\n" + body


def tapo_sdp(sps, pps, quirk=True):
    profile = sps[1:4].hex()
    sprop = base64.b64encode(sps).decode() + "," + base64.b64encode(pps).decode()
    lines = [
        "v=0",
        "o=- 14665860 31787219 1 IN IP4 127.0.0.1",
        's=Session streamed by "TP-LINK RTSP Server"',
        "t=0 0",
        "a=smart_encoder:virtualIFrame=1",
        "m=video 0 RTP/AVP 96",
        "c=IN IP4 0.0.0.0",
        "b=AS:4096",
        "a=range:npt=0-",
        "a=control:track1",
        "a=rtpmap:96 H264/90000",
        "a=fmtp:96 packetization-mode=1; profile-level-id=%s; sprop-parameter-sets=%s"
        % (profile, sprop),
        "m=audio 0 RTP/AVP 8",
        "a=rtpmap:8 PCMA/8000",
        "a=control:track2",
    ]
    if quirk:
        lines += ["m=application/TP-LINK 0 RTP/AVP smart/1/90000",
                  "a=rtpmap:95 TP-LINK/90000", "a=control:track3"]
    return ("\r\n".join(lines) + "\r\n").encode()


def main():
    annex_b, out_dir = open(sys.argv[1], "rb").read(), sys.argv[2]
    units = nal_units(annex_b)
    sps = next(u for u in units if u[0] & 0x1F == 7)
    pps = next(u for u in units if u[0] & 0x1F == 8)
    idr_units = [u for u in units if u[0] & 0x1F in (5, 6, 7, 8)]
    payloads = [p for u in idr_units for p in rtp_payloads(u)]

    options = reply("200 OK", [("Public", "OPTIONS, DESCRIBE, SETUP, TEARDOWN, PLAY, "
                                          "GET_PARAMETER, SET_PARAMETER")])
    base = "rtsp://127.0.0.1/stream1/"
    describe = reply("200 OK", [("Content-Type", "application/sdp"),
                                ("Content-Base", base)], tapo_sdp(sps, pps))
    setup = reply("200 OK", [("Session", "5F0A1B2C;timeout=15"),
                             ("Transport", "RTP/AVP/TCP;unicast;interleaved=0-1;ssrc=1234ABCD")])
    # Tapo's bogus RTP-Info seq, as BRIEF.md describes.
    play = reply("200 OK", [("Session", "5F0A1B2C"), ("Range", "npt=0.000-"),
                            ("RTP-Info", "url=%strack1;seq=0;rtptime=0" % base)])
    teardown = reply("200 OK", [("Session", "5F0A1B2C")])
    digest = reply("401 Unauthorized", [
        ("WWW-Authenticate", 'Digest realm="TP-Link IP-Camera", nonce="a1b2c3d4e5f6"')])
    basic = reply("401 Unauthorized", [("WWW-Authenticate", 'Basic realm="TP-Link IP-Camera"')])

    seeds = {
        "tapo_key_frame": [options, describe, setup, play + interleaved(payloads), teardown],
        "tapo_digest_auth": [options, digest, describe, setup, play + interleaved(payloads),
                             teardown],
        "tapo_basic_auth": [options, basic, describe, setup, play + interleaved(payloads[:1])],
        "session_limit_453": [options, describe, reply("453 Not Enough Bandwidth", [])],
        "not_found_404": [options, reply("404 Stream Not Found", [])],
        "silent_after_play": [options, describe, setup, play],
        "garbage_sdp": [options, reply("200 OK", [("Content-Type", "application/sdp")],
                                       b"v=0\r\nm=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/0\r\n"
                                       b"a=fmtp:96 sprop-parameter-sets=!!!,\r\n")],
    }
    os.makedirs(out_dir, exist_ok=True)
    for name, replies in seeds.items():
        with open(os.path.join(out_dir, name), "wb") as f:
            f.write(SEP.join(replies))


if __name__ == "__main__":
    main()
