#!/usr/bin/env python3
"""A scraper that keeps one HTTP connection open, as Prometheus does: no new handshake per
scrape, so scrapes do not move the namespace's PassiveOpens. For every line on stdin
({"accept": "..."}) it GETs the path on that connection with that Accept header and prints
the body as one JSON line ({"status", "body"}).

    keepalive-scraper.py PORT PATH
"""
import http.client
import json
import sys

port, path = int(sys.argv[1]), sys.argv[2]
conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
conn.connect()
local_port = conn.sock.getsockname()[1]
print(json.dumps({"ready": True, "local_port": local_port}), flush=True)
for line in sys.stdin:
    accept = json.loads(line)["accept"]
    conn.request("GET", path, headers={"Connection": "keep-alive", "Accept": accept})
    r = conn.getresponse()
    body = r.read().decode("utf-8")
    # The same connection every time: a reconnect would defeat the point of this scraper.
    if conn.sock is None or conn.sock.getsockname()[1] != local_port:
        sys.exit("keepalive-scraper: the connection was not kept")
    print(json.dumps({"status": r.status, "body": body}), flush=True)
