#!/usr/bin/env python3
"""qmp_hotadd.py SOCKET WATCH PORT TIMEOUT: the host side of the hot-add
cases of tests/lab/retire.sh.

Waits (TIMEOUT seconds at most) for a lab run under WATCH (a directory
holding one run's results directory) to ask for the hot-add: the capture
kernel's tests/lab/retire-capture.sh writes RUN/hotadd.request. Then, over
QEMU's QMP socket SOCKET, plugs an edu device into the root port whose QEMU
id is PORT (device_add edu,bus=PORT,id=hotadd0), and writes
RUN/hotadd.host: t_add (host clock, as the trace's timestamps), result
("ok" or the QMP error).
"""
import glob
import json
import os
import socket
import sys
import time

sock_path, watch, port, timeout = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
deadline = time.time() + timeout
run = None
while time.time() < deadline:
    req = glob.glob(os.path.join(watch, "*", "hotadd.request"))
    if req:
        run = os.path.dirname(req[0])
        break
    time.sleep(0.2)
if run is None:
    sys.exit("qmp_hotadd: no hot-add request")


def command(f, s, cmd, args=None):
    msg = {"execute": cmd}
    if args:
        msg["arguments"] = args
    s.sendall(json.dumps(msg).encode() + b"\n")
    for line in f:
        reply = json.loads(line)
        if "return" in reply or "error" in reply:
            return reply
    raise RuntimeError("QMP connection closed")


result = "ok"
t_add = 0.0
try:
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(30)
    s.connect(sock_path)
    f = s.makefile("r")
    json.loads(f.readline())  # greeting
    command(f, s, "qmp_capabilities")
    t_add = time.time()
    reply = command(f, s, "device_add", {
        "driver": "edu", "id": "hotadd0", "bus": port,
        "dma_mask": 0xFFFFFFFFFFFFFFFF})
    if "error" in reply:
        result = "error: " + reply["error"].get("desc", "?")
    s.close()
except (OSError, ValueError, RuntimeError) as e:
    result = "error: %s" % e
with open(os.path.join(run, "hotadd.host"), "w") as out:
    out.write("t_add=%.6f\nresult=%s\n" % (t_add, result.replace("\n", " ")))
print("qmp_hotadd: %s" % result)
