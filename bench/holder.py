#!/usr/bin/env python3
"""Benchmark helper: holds listeners, established loopback connections, churning listeners,
or burst listeners inside the benchmark's network namespace.

Every command prints one JSON line when its sockets are in place, then keeps them until
stdin closes (the harness ended or died) or the process is killed. Sockets of established
connections get SO_LINGER 0, so closing them sends RST and leaves no TIME_WAIT behind: the
next phase of the benchmark starts from a clean established hash.

  holder.py listeners --addr 127.0.0.1 --first-port 10000 --count 4500 --backlog 511
  holder.py pairs --src 127.1.0.1 --dst 127.0.0.2 --port 9000 --count 9000
      COUNT client sockets bound to SRC:20000.. connect to a temporary sink on DST:PORT, the
      sink accepts them all and is closed: COUNT established connections (2*COUNT sockets),
      and no extra listener. Keep COUNT <= 9000 (fd limit ~20,000 per process).
  holder.py churn --addr 127.0.0.3 --pool 1000 --rate 100
      Keeps POOL listeners on ephemeral ports; every second closes the RATE oldest and opens
      RATE new ones, until stdin closes. Prints a status line every 10 s.
  holder.py trickle --addr 127.0.0.5 --rate 20
      One listener that accepts RATE connections per second from its own client (each
      closed at once with RST): a host that keeps accepting, so PassiveOpens always moves.
  holder.py bursts --addr 127.0.0.4 --count 60 --backlog 4
      Opens COUNT listeners, prints their ports, then for each stdin line "I HOLD_MS" fills
      listener I's queue (backlog+3 connects: backlog+1 queued, the kernel's "full"), holds
      it HOLD_MS, drains it and prints {"burst": I, "full": bool, "held_ms": ...}.
"""
import argparse
import json
import os
import resource
import select
import socket
import struct
import sys
import time

LINGER_RST = struct.pack("ii", 1, 0)


def raise_nofile():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def say(obj):
    print(json.dumps(obj), flush=True)


def stdin_closed(timeout):
    r, _, _ = select.select([sys.stdin], [], [], timeout)
    if r:
        return sys.stdin.readline() == ""
    return False


def wait_forever():
    try:
        sys.stdin.read()
    except Exception:
        pass


def make_listener(addr, port, backlog):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, port))
    s.listen(backlog)
    return s


def cmd_listeners(a):
    raise_nofile()
    socks = [make_listener(a.addr, a.first_port + i, a.backlog) for i in range(a.count)]
    say({"listeners": len(socks), "first_port": a.first_port})
    wait_forever()


def cmd_pairs(a):
    raise_nofile()
    sink = make_listener(a.dst, a.port, 4096)
    sink.setblocking(False)
    clients, servers = [], []
    started = time.time()
    batch = 1000
    while len(clients) < a.count:
        n = min(batch, a.count - len(clients))
        for _ in range(n):
            c = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            c.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, LINGER_RST)
            c.bind((a.src, a.first_src_port + len(clients)))
            c.setblocking(False)
            try:
                c.connect((a.dst, a.port))
            except (BlockingIOError, InterruptedError):
                pass
            clients.append(c)
        deadline = time.time() + 10
        while len(servers) < len(clients):
            try:
                conn, _ = sink.accept()
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, LINGER_RST)
                servers.append(conn)
            except BlockingIOError:
                if time.time() > deadline:
                    say({"error": "accept stalled", "clients": len(clients), "accepted": len(servers)})
                    sys.exit(1)
                time.sleep(0.001)
    sink.close()
    say({"pairs": len(servers), "seconds": round(time.time() - started, 3)})
    wait_forever()


def cmd_churn(a):
    raise_nofile()
    pool = [make_listener(a.addr, 0, 128) for _ in range(a.pool)]
    say({"pool": len(pool)})
    opened = closed = 0
    last_status = time.time()
    while True:
        tick = time.time()
        for _ in range(a.rate):
            pool.pop(0).close()
            closed += 1
            pool.append(make_listener(a.addr, 0, 128))
            opened += 1
        now = time.time()
        if now - last_status >= 10:
            say({"opened": opened, "closed": closed, "pool": len(pool)})
            last_status = now
        if stdin_closed(max(0.0, 1.0 - (time.time() - tick))):
            return


def cmd_trickle(a):
    lst = make_listener(a.addr, 0, 128)
    port = lst.getsockname()[1]
    say({"port": port})
    period = 1.0 / a.rate
    done = 0
    next_at = time.monotonic()
    while True:
        c = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, LINGER_RST)
        c.connect((a.addr, port))
        conn, _ = lst.accept()
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, LINGER_RST)
        conn.close()
        c.close()
        done += 1
        next_at += period
        if stdin_closed(max(0.0, next_at - time.monotonic())):
            return


def queued_depth(addr, port):
    """Accept-queue depth of our listener ADDR:PORT from /proc/net/tcp (listeners come first)."""
    want = "%08X:%04X" % (struct.unpack("<I", socket.inet_aton(addr))[0], port)
    with open("/proc/net/tcp", "r") as f:
        for line in f:
            fields = line.split()
            if len(fields) < 5 or not fields[0].endswith(":"):
                continue
            if fields[3] != "0A":
                return None
            if fields[1] == want:
                return int(fields[4].split(":")[1], 16)
    return None


def cmd_bursts(a):
    raise_nofile()
    lst = [make_listener(a.addr, 0, a.backlog) for _ in range(a.count)]
    for s in lst:
        s.setblocking(False)
    say({"ports": [s.getsockname()[1] for s in lst]})
    for line in sys.stdin:
        parts = line.split()
        if len(parts) != 2:
            continue
        i, hold_ms = int(parts[0]), int(parts[1])
        s = lst[i]
        port = s.getsockname()[1]
        held = []
        for _ in range(a.backlog + 3):
            c = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, LINGER_RST)
            c.setblocking(False)
            try:
                c.connect((a.addr, port))
            except (BlockingIOError, InterruptedError):
                pass
            held.append(c)
        t_start = time.monotonic()
        # Handshakes on loopback complete at once; confirm the kernel sees the queue full.
        full = False
        while time.monotonic() - t_start < 0.05:
            d = queued_depth(a.addr, port)
            if d is not None and d > a.backlog:
                full = True
                break
            time.sleep(0.002)
        time.sleep(max(0.0, hold_ms / 1000.0 - (time.monotonic() - t_start)))
        accepted = []
        while True:
            try:
                conn, _ = s.accept()
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, LINGER_RST)
                accepted.append(conn)
            except BlockingIOError:
                break
        held_ms = (time.monotonic() - t_start) * 1000
        for c in held + accepted:
            c.close()
        # Connections that completed after the drain (none expected: clients are closed).
        while True:
            try:
                s.accept()[0].close()
            except BlockingIOError:
                break
        say({"burst": i, "full": full, "held_ms": round(held_ms, 1), "drained": len(accepted)})


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    pl = sub.add_parser("listeners")
    pl.add_argument("--addr", default="127.0.0.1")
    pl.add_argument("--first-port", type=int, required=True)
    pl.add_argument("--count", type=int, required=True)
    pl.add_argument("--backlog", type=int, default=511)
    pp = sub.add_parser("pairs")
    pp.add_argument("--src", required=True)
    pp.add_argument("--first-src-port", type=int, default=20000)
    pp.add_argument("--dst", default="127.0.0.2")
    pp.add_argument("--port", type=int, required=True)
    pp.add_argument("--count", type=int, required=True)
    pc = sub.add_parser("churn")
    pc.add_argument("--addr", default="127.0.0.3")
    pc.add_argument("--pool", type=int, default=1000)
    pc.add_argument("--rate", type=int, default=100)
    pt = sub.add_parser("trickle")
    pt.add_argument("--addr", default="127.0.0.5")
    pt.add_argument("--rate", type=float, default=20)
    pb = sub.add_parser("bursts")
    pb.add_argument("--addr", default="127.0.0.4")
    pb.add_argument("--count", type=int, required=True)
    pb.add_argument("--backlog", type=int, default=4)
    a = p.parse_args()
    {"listeners": cmd_listeners, "pairs": cmd_pairs, "churn": cmd_churn, "bursts": cmd_bursts, "trickle": cmd_trickle}[a.cmd](a)


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    main()
