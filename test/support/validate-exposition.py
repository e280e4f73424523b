#!/usr/bin/env python3
"""Parses exposition bodies with the Prometheus Python client library's own parsers.

A long-lived worker for test/support/scrape-validity.ts: one JSON request per stdin line,
{"format": "prometheus" | "openmetrics", "body": "..."}, one JSON answer per stdout line,
{"ok": true, "families": N, "samples": M} or {"ok": false, "error": "..."}.

The OpenMetrics parser is the strict one (it rejects, among much else, a label set that
comes back after another in the same family: "Invalid metric grouping"); the text-format
parser is what the client library uses to read a /metrics page.
"""
import json
import sys

from prometheus_client.openmetrics.parser import text_string_to_metric_families as parse_openmetrics
from prometheus_client.parser import text_string_to_metric_families as parse_text

PARSERS = {"prometheus": parse_text, "openmetrics": parse_openmetrics}


def check(request):
    parse = PARSERS[request["format"]]
    families = 0
    samples = 0
    # The parsers are generators: only consuming them all parses the whole body.
    for family in parse(request["body"]):
        families += 1
        samples += len(family.samples)
    return {"ok": True, "families": families, "samples": samples}


def main():
    for line in sys.stdin:
        try:
            answer = check(json.loads(line))
        except Exception as err:  # any parser complaint is the answer, not a crash
            answer = {"ok": False, "error": f"{type(err).__name__}: {err}"}
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
