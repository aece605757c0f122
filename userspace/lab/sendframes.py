#!/usr/bin/env python3
"""Send raw Ethernet frames to a QEMU "-netdev dgram" backend on loopback.

Each UDP datagram is one Ethernet frame for the guest's e1000e: it keeps
the NIC's receive DMA busy (descriptor read, data write, write-back) up to
and across the crash. Bounded in count and time; loopback only.
"""
import argparse
import socket
import struct
import sys
import time


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--port", type=int, required=True,
                    help="QEMU's local UDP port on 127.0.0.1")
    ap.add_argument("--mac", default="52:54:00:12:34:56",
                    help="destination MAC (the guest NIC)")
    ap.add_argument("--rate", type=float, default=200.0, help="frames per second")
    ap.add_argument("--seconds", type=float, default=120.0, help="stop after this long")
    ap.add_argument("--max-frames", type=int, default=100000)
    args = ap.parse_args()

    dst = bytes(int(x, 16) for x in args.mac.split(":"))
    src = bytes.fromhex("02000000beef")
    ethertype = 0x88B5  # IEEE 802 local experimental
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    end = time.monotonic() + args.seconds
    period = 1.0 / args.rate
    seq = 0
    nxt = time.monotonic()
    while seq < args.max_frames and time.monotonic() < end:
        payload = struct.pack("!4sI", b"LAB!", seq) + bytes(range(256)) * 4
        frame = dst + src + struct.pack("!H", ethertype) + payload
        try:
            sock.sendto(frame, ("127.0.0.1", args.port))
        except OSError:
            pass  # QEMU not listening yet, or gone
        seq += 1
        nxt += period
        delay = nxt - time.monotonic()
        if delay > 0:
            time.sleep(delay)
    print(f"sendframes: {seq} frames sent", file=sys.stderr)


if __name__ == "__main__":
    main()
