#!/usr/bin/env python3
"""Benchmark helper: holds listeners, established loopback connections, churning listeners,
burst listeners or a full queue, and makes bounded connection traffic, inside the
benchmark's network namespaces (loopback only).

Every command prints one JSON line when its sockets are in place, then keeps them until
stdin closes (the harness ended or died) or the process is killed. Sockets of established
connections get SO_LINGER 0, so closing them sends RST and leaves no TIME_WAIT behind: the
next phase of the benchmark starts from a clean established hash.

  holder.py listeners --addr 127.0.0.1 --first-port 10000 --count 4500 --backlog 511
      Holds COUNT listeners. A stdin line "traffic RATE SECONDS fin|rst" then connects RATE
      times a second, round robin over them, for SECONDS (at most RATE*SECONDS connections),
      each accepted and closed by the listener's side (FIN: a TIME_WAIT stays behind, as on
      a real server; RST: none), and prints {"traffic": N, "errors": E} when done, or when a
      "stop" line ends it early ("stop" after a run ended by itself is ignored).
  holder.py pairs --src 127.1.0.1 --dst 127.0.0.2 --port 9000 --count 9000
      COUNT client sockets bound to SRC:20000.. connect to a temporary sink on DST:PORT, the
      sink accepts them all and is closed: COUNT established connections (2*COUNT sockets),
      and no extra listener. Keep COUNT <= 9000 (fd limit ~20,000 per process).
  holder.py churn --addr 127.0.0.3 --pool 1000 --rate 100 --seconds 700
      Keeps POOL listeners on ephemeral ports; every second closes the RATE oldest and opens
      RATE new ones, until stdin closes or SECONDS have passed. Prints a status line every 10 s.
  holder.py trickle --addr 127.0.0.5 --rate 20 --seconds 120
      One listener that accepts RATE connections per second from its own client (each
      closed at once with RST): a host that keeps accepting, so PassiveOpens always moves.
      Stops by itself after SECONDS (at most RATE*SECONDS connections) and exits.
  holder.py full --addr 127.0.0.6 --backlog 16 --pending 8 --seconds 120
      An incident: one listener that never accepts, its queue filled (backlog+1 queued,
      the kernel's "full") plus PENDING more clients whose handshakes the kernel keeps
      refusing (their SYNs are retried: ListenOverflows moves). Prints {"port", "length"},
      holds it SECONDS (or until stdin closes), then closes everything and exits.
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


def stdin_line(timeout):
    """The next stdin line within TIMEOUT s: None if none came, "" if stdin closed."""
    r, _, _ = select.select([sys.stdin], [], [], timeout)
    if r:
        return sys.stdin.readline()
    return None


def stdin_closed(timeout):
    return stdin_line(timeout) == ""


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


def connect_and_close(addr, lst, close):
    """One connection to LST, accepted and closed by the listener's side first."""
    port = lst.getsockname()[1]
    c = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    c.settimeout(5)
    if close == "rst":
        c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, LINGER_RST)
    c.connect((addr, port))
    lst.settimeout(5)
    conn, _ = lst.accept()
    if close == "rst":
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, LINGER_RST)
    conn.close()
    c.close()


def traffic(addr, socks, rate, seconds, close):
    """RATE connections a second for SECONDS, round robin. Stops early when stdin closes
    (returns closed=True) or a line (such as "stop") arrives."""
    period = 1.0 / rate
    total = int(rate * seconds)
    done = errors = 0
    next_at = time.monotonic()
    while done + errors < total:
        try:
            connect_and_close(addr, socks[(done + errors) % len(socks)], close)
            done += 1
        except OSError:
            errors += 1
        next_at += period
        line = stdin_line(max(0.0, next_at - time.monotonic()))
        if line is not None:
            return done, errors, line == ""
    return done, errors, False


def cmd_listeners(a):
    raise_nofile()
    socks = [make_listener(a.addr, a.first_port + i, a.backlog) for i in range(a.count)]
    say({"listeners": len(socks), "first_port": a.first_port})
    while True:
        line = sys.stdin.readline()
        if line == "":
            return
        parts = line.split()
        if parts == ["stop"]:
            continue  # the traffic run it was meant for had ended by itself
        if len(parts) != 4 or parts[0] != "traffic" or parts[3] not in ("fin", "rst"):
            say({"error": "expected: traffic RATE SECONDS fin|rst"})
            continue
        done, errors, closed = traffic(a.addr, socks, float(parts[1]), float(parts[2]), parts[3])
        if closed:
            return
        say({"traffic": done, "errors": errors})


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
    end = time.monotonic() + a.seconds
    while time.monotonic() < end:
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
    done, errors, _ = traffic(a.addr, [lst], a.rate, a.seconds, "rst")
    say({"traffic": done, "errors": errors})


def cmd_full(a):
    lst = make_listener(a.addr, 0, a.backlog)
    port = lst.getsockname()[1]
    clients = []
    for _ in range(a.backlog + 1 + a.pending):
        c = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, LINGER_RST)
        c.setblocking(False)
        try:
            c.connect((a.addr, port))
        except (BlockingIOError, InterruptedError):
            pass
        clients.append(c)
    # Loopback handshakes complete at once; wait until the kernel shows the queue full.
    depth = None
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        depth = queued_depth(a.addr, port)
        if depth is not None and depth > a.backlog:
            break
        time.sleep(0.01)
    say({"port": port, "length": depth})
    stdin_closed(a.seconds)
    for c in clients:
        c.close()
    lst.close()


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
    pc.add_argument("--seconds", type=float, required=True)
    pt = sub.add_parser("trickle")
    pt.add_argument("--addr", default="127.0.0.5")
    pt.add_argument("--rate", type=float, default=20)
    pt.add_argument("--seconds", type=float, required=True)
    pf = sub.add_parser("full")
    pf.add_argument("--addr", default="127.0.0.6")
    pf.add_argument("--backlog", type=int, default=16)
    pf.add_argument("--pending", type=int, default=8)
    pf.add_argument("--seconds", type=float, required=True)
    pb = sub.add_parser("bursts")
    pb.add_argument("--addr", default="127.0.0.4")
    pb.add_argument("--count", type=int, required=True)
    pb.add_argument("--backlog", type=int, default=4)
    a = p.parse_args()
    {"listeners": cmd_listeners, "pairs": cmd_pairs, "churn": cmd_churn, "bursts": cmd_bursts, "trickle": cmd_trickle, "full": cmd_full}[a.cmd](a)


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    main()
