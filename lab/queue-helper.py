#!/usr/bin/env python3
"""Test helper that holds a TCP listen queue in a known state.

Node's net.Server accepts on its own, so it cannot keep a queue full; this helper can.

  queue-helper.py listen --addr 127.0.0.1 --port 8001 --backlog 4 [--reuseport 2] [--v6only 0|1]
      [--device lo] [--defer-accept SECONDS]
      Opens the listener(s), never accepts, prints one JSON line {"port": P, "sockets": K}
      and sleeps until killed or stdin closes.
  queue-helper.py connect --addr 127.0.0.1 --port 8001 --count 20
      Starts COUNT non-blocking connects, keeps them open, prints "ready" and sleeps.
  queue-helper.py burst --addr 127.0.0.1 --port 8001 --backlog 4 --hold-ms 250 --gap-ms 750 --count 10 [--delay-ms 0] [--go-on-stdin]
      Listener that repeatedly fills its queue, holds it full for hold-ms, then drains it.
  queue-helper.py listen-many --addr 127.0.0.1 --count 1000 [--backlog 16]
      COUNT listeners on ephemeral ports; prints {"ports": [...]}.
  queue-helper.py churn --addr 127.0.0.1 --count 500 --hold-ms 300 --seconds 60
      Opens and closes COUNT listeners per cycle for SECONDS.
"""
import argparse
import json
import socket
import sys
import threading
import time


def family_of(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


def open_listener(addr, port, backlog, reuseport, v6only, device, defer_accept=0):
    fam = family_of(addr)
    s = socket.socket(fam, socket.SOCK_STREAM)
    if defer_accept:
        # Keeps handshakes without data in SYN_RECV: the way to show a SYN queue on loopback.
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_DEFER_ACCEPT, defer_accept)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if reuseport:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    if fam == socket.AF_INET6 and v6only is not None:
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, v6only)
    if device:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, device.encode())
    # getaddrinfo resolves a "%scope" suffix into the scope id a link-local bind needs.
    s.bind(socket.getaddrinfo(addr, port, fam, socket.SOCK_STREAM)[0][4])
    s.listen(backlog)
    return s


def wait_forever():
    # Exit when the parent closes our stdin (test ended) or kills us.
    try:
        sys.stdin.read()
    except Exception:
        pass


def cmd_listen(a):
    socks = []
    port = a.port
    for _ in range(max(1, a.reuseport)):
        s = open_listener(a.addr, port, a.backlog, a.reuseport > 0, a.v6only, a.device, a.defer_accept)
        port = s.getsockname()[1]
        socks.append(s)
    print(json.dumps({"port": port, "sockets": len(socks)}), flush=True)
    if a.relisten is not None or a.later_device is not None:
        # On a line from stdin, change the listening sockets in place: listen() again
        # changes the backlog; SO_BINDTODEVICE binds an already listening socket.
        sys.stdin.readline()
        for s in socks:
            if a.relisten is not None:
                s.listen(a.relisten)
            if a.later_device is not None:
                s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, a.later_device.encode())
        print(json.dumps({"relisten": a.relisten, "later_device": a.later_device}), flush=True)
    wait_forever()


def start_connects(addr, port, count):
    fam = family_of(addr)
    held = []
    for _ in range(count):
        c = socket.socket(fam, socket.SOCK_STREAM)
        c.setblocking(False)
        try:
            c.connect((addr, port))
        except (BlockingIOError, InterruptedError):
            pass
        held.append(c)
    return held


def cmd_connect(a):
    held = start_connects(a.addr, a.port, a.count)
    print("ready", flush=True)
    wait_forever()
    for c in held:
        c.close()


def cmd_burst(a):
    lst = open_listener(a.addr, a.port, a.backlog, False, None, None)
    port = lst.getsockname()[1]
    lst.setblocking(False)
    print(json.dumps({"port": port}), flush=True)
    time.sleep(a.delay_ms / 1000.0)
    if a.go_on_stdin:
        # Let the test start the bursts once its observer is ready.
        sys.stdin.readline()
    for i in range(a.count):
        held = start_connects(a.addr, port, a.backlog + 3)
        print(json.dumps({"burst": i, "t": time.time()}), flush=True)
        time.sleep(a.hold_ms / 1000.0)
        while True:
            try:
                conn, _ = lst.accept()
                conn.close()
            except BlockingIOError:
                break
        for c in held:
            c.close()
        # Drain connections that completed after the first accept pass.
        deadline = time.time() + a.gap_ms / 1000.0
        while time.time() < deadline:
            try:
                conn, _ = lst.accept()
                conn.close()
            except BlockingIOError:
                time.sleep(0.005)
    print(json.dumps({"done": True}), flush=True)
    wait_forever()


def cmd_listen_many(a):
    socks = [open_listener(a.addr, 0, a.backlog, False, None, None) for _ in range(a.count)]
    print(json.dumps({"ports": [s.getsockname()[1] for s in socks]}), flush=True)
    wait_forever()


def cmd_churn(a):
    """Opens COUNT listeners, holds them HOLD_MS, closes them, for SECONDS; then idles."""
    deadline = time.time() + a.seconds
    cycles = 0
    print(json.dumps({"started": True}), flush=True)
    while time.time() < deadline:
        socks = [open_listener(a.addr, 0, a.backlog, False, None, None) for _ in range(a.count)]
        time.sleep(a.hold_ms / 1000.0)
        for s in socks:
            s.close()
        cycles += 1
    print(json.dumps({"done": True, "cycles": cycles, "listeners": cycles * a.count}), flush=True)
    wait_forever()


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    pl = sub.add_parser("listen")
    pl.add_argument("--addr", required=True)
    pl.add_argument("--port", type=int, default=0)
    pl.add_argument("--backlog", type=int, required=True)
    pl.add_argument("--reuseport", type=int, default=0)
    pl.add_argument("--v6only", type=int, default=None)
    pl.add_argument("--device", default=None)
    pl.add_argument("--relisten", type=int, default=None)
    pl.add_argument("--later-device", default=None)
    pl.add_argument("--defer-accept", type=int, default=0)
    pc = sub.add_parser("connect")
    pc.add_argument("--addr", required=True)
    pc.add_argument("--port", type=int, required=True)
    pc.add_argument("--count", type=int, required=True)
    pb = sub.add_parser("burst")
    pb.add_argument("--addr", required=True)
    pb.add_argument("--port", type=int, default=0)
    pb.add_argument("--backlog", type=int, default=4)
    pb.add_argument("--hold-ms", type=int, default=250)
    pb.add_argument("--gap-ms", type=int, default=750)
    pb.add_argument("--count", type=int, default=10)
    pb.add_argument("--delay-ms", type=int, default=0)
    pb.add_argument("--go-on-stdin", action="store_true")
    pm = sub.add_parser("listen-many")
    pm.add_argument("--addr", required=True)
    pm.add_argument("--count", type=int, required=True)
    pm.add_argument("--backlog", type=int, default=16)
    pch = sub.add_parser("churn")
    pch.add_argument("--addr", required=True)
    pch.add_argument("--count", type=int, required=True)
    pch.add_argument("--backlog", type=int, default=16)
    pch.add_argument("--hold-ms", type=int, default=300)
    pch.add_argument("--seconds", type=float, required=True)
    a = p.parse_args()
    {
        "listen": cmd_listen,
        "connect": cmd_connect,
        "burst": cmd_burst,
        "listen-many": cmd_listen_many,
        "churn": cmd_churn,
    }[a.cmd](a)


if __name__ == "__main__":
    main()
