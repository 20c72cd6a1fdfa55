#!/usr/bin/env python3
"""Reads a flight recorder dump (OTLP JSON lines) with PyPI's opentelemetry-proto alone, and prints what it found
as one JSON object, for a Rust test to compare with what it recorded:

  check_flight_dump.py DUMP.jsonl

Each line must parse with google.protobuf.json_format into an ExportTraceServiceRequest (the OpenTelemetry file
exporter's format); a line that does not is an error naming its number. Every parent span id must resolve to a
span of the dump. Exit status 1 on any failure, with the reason on stderr.
"""
import json
import sys

from google.protobuf import json_format
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.trace.v1.trace_pb2 import Status


def attr(kvs, key):
    for kv in kvs:
        if kv.key == key:
            v = kv.value
            return getattr(v, v.WhichOneof("value")) if v.WhichOneof("value") else None
    return None


def main(path):
    spans = []
    services = set()
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            req = ExportTraceServiceRequest()
            try:
                json_format.Parse(line, req)
            except json_format.ParseError as e:
                print(f"line {n}: not an ExportTraceServiceRequest: {e}", file=sys.stderr)
                return 1
            for rs in req.resource_spans:
                services.add(attr(rs.resource.attributes, "service.name"))
                for ss in rs.scope_spans:
                    spans.extend(ss.spans)
    ids = {s.span_id for s in spans}
    unresolved = [s.name for s in spans if s.parent_span_id and s.parent_span_id not in ids]
    if unresolved:
        print(f"parent links that do not resolve within the dump: {unresolved[:10]}", file=sys.stderr)
        return 1
    out = {
        "spans": len(spans),
        "services": sorted(s for s in services if s),
        "names": {},
        "unsampled": sum(1 for s in spans if attr(s.attributes, "obs.sampled") is False),
        "errors": sorted(
            [s.name, s.status.message] for s in spans if s.status.code == Status.STATUS_CODE_ERROR
        ),
        "events": sorted([s.name, e.name] for s in spans for e in s.events),
        "children": sum(1 for s in spans if s.parent_span_id),
        "bad_times": sum(1 for s in spans if s.end_time_unix_nano < s.start_time_unix_nano or s.start_time_unix_nano == 0),
    }
    for s in spans:
        out["names"][s.name] = out["names"].get(s.name, 0) + 1
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
