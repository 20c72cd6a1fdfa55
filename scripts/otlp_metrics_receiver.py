"""A minimal OTLP metrics receiver, built only on PyPI's `opentelemetry-proto` and `protobuf` (and `grpcio`).

It accepts POST /v1/metrics (http/protobuf, gzip-aware) or, with --grpc, the gRPC MetricsService/Export, decodes
each ExportMetricsServiceRequest independently of the Rust code under test, and appends one JSON object per push
to OUT_FILE:
{"headers": {...}, "resource": {...}, "scopes": [{"name", "version", "metrics": [METRIC...]}]}
METRIC = {"name", "description", "unit", "type" ("sum"|"gauge"|"histogram"|"exponential_histogram"|"summary"),
          "monotonic", "temporality" ("cumulative"|"delta"|None), "points": [POINT...]}
POINT = {"attributes", "start", "time", and "value" | "count", "sum", "bucket_counts", "explicit_bounds" |
         "scale", "zero_count", "zero_threshold", "positive": [offset, counts], "negative": [offset, counts] |
         "quantiles", plus "exemplars": [{"trace_id", "span_id", "value", "time"}]}

While FAIL_FILE (--fail-file PATH) exists, every push is refused (HTTP 500, gRPC UNAVAILABLE) and not recorded:
the test switches failures on and off by creating and removing it.

Usage: python3 scripts/otlp_metrics_receiver.py PORT_FILE OUT_FILE [--grpc] [--fail-file PATH]
Binds 127.0.0.1 on a free port, writes the port to PORT_FILE once listening, and serves until killed.
"""
import gzip
import json
import os
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import (
    ExportMetricsServiceRequest,
    ExportMetricsServiceResponse,
)

OUT = None
FAIL_FILE = None
LOCK = threading.Lock()
TEMPORALITY = {0: None, 1: "delta", 2: "cumulative"}


def value(v):
    kind = v.WhichOneof("value")
    return None if kind is None else getattr(v, kind)


def attrs(kvs):
    return {kv.key: value(kv.value) for kv in kvs}


def exemplars(points):
    out = []
    for e in points:
        out.append(
            {
                "trace_id": e.trace_id.hex(),
                "span_id": e.span_id.hex(),
                "value": getattr(e, e.WhichOneof("value")) if e.WhichOneof("value") else None,
                "time": e.time_unix_nano,
            }
        )
    return out


def base(p):
    return {"attributes": attrs(p.attributes), "start": p.start_time_unix_nano, "time": p.time_unix_nano}


def metric(m):
    kind = m.WhichOneof("data")
    d = getattr(m, kind)
    out = {"name": m.name, "description": m.description, "unit": m.unit, "monotonic": None, "temporality": None}
    points = []
    if kind in ("sum", "gauge"):
        out["type"] = kind
        if kind == "sum":
            out["monotonic"] = d.is_monotonic
            out["temporality"] = TEMPORALITY[d.aggregation_temporality]
        for p in d.data_points:
            q = base(p)
            q["value"] = getattr(p, p.WhichOneof("value")) if p.WhichOneof("value") else None
            q["int"] = p.WhichOneof("value") == "as_int"
            q["exemplars"] = exemplars(p.exemplars)
            points.append(q)
    elif kind == "histogram":
        out["type"] = kind
        out["temporality"] = TEMPORALITY[d.aggregation_temporality]
        for p in d.data_points:
            q = base(p)
            q.update(
                count=p.count,
                sum=p.sum if p.HasField("sum") else None,
                bucket_counts=list(p.bucket_counts),
                explicit_bounds=list(p.explicit_bounds),
                exemplars=exemplars(p.exemplars),
            )
            points.append(q)
    elif kind == "exponential_histogram":
        out["type"] = kind
        out["temporality"] = TEMPORALITY[d.aggregation_temporality]
        for p in d.data_points:
            q = base(p)
            q.update(
                count=p.count,
                sum=p.sum if p.HasField("sum") else None,
                scale=p.scale,
                zero_count=p.zero_count,
                zero_threshold=p.zero_threshold,
                positive=[p.positive.offset, list(p.positive.bucket_counts)],
                negative=[p.negative.offset, list(p.negative.bucket_counts)],
                exemplars=exemplars(p.exemplars),
            )
            points.append(q)
    elif kind == "summary":
        out["type"] = kind
        for p in d.data_points:
            q = base(p)
            q.update(count=p.count, sum=p.sum, quantiles=[[v.quantile, v.value] for v in p.quantile_values])
            points.append(q)
    out["points"] = points
    return out


def record(req, headers):
    pushes = []
    for rm in req.resource_metrics:
        pushes.append(
            {
                "headers": headers,
                "resource": attrs(rm.resource.attributes),
                "scopes": [
                    {"name": sm.scope.name, "version": sm.scope.version, "metrics": [metric(m) for m in sm.metrics]}
                    for sm in rm.scope_metrics
                ],
            }
        )
    with LOCK, open(OUT, "a") as out:
        for p in pushes:
            out.write(json.dumps(p) + "\n")


def failing():
    return FAIL_FILE is not None and os.path.exists(FAIL_FILE)


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        if self.path != "/v1/metrics":
            self.send_response(404)
            self.end_headers()
            return
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        if failing():
            self.send_response(500)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if self.headers.get("Content-Encoding", "") == "gzip":
            body = gzip.decompress(body)
        req = ExportMetricsServiceRequest()
        try:
            req.ParseFromString(body)
        except Exception as e:  # a malformed body is the sender's bug: say so
            self.send_response(400)
            self.end_headers()
            self.wfile.write(str(e).encode())
            return
        headers = {k.lower(): v for k, v in self.headers.items()}
        record(req, headers)
        resp = ExportMetricsServiceResponse().SerializeToString()
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", str(len(resp)))
        self.end_headers()
        self.wfile.write(resp)

    def log_message(self, *args):
        pass


def publish_port(port_file, port):
    with open(port_file + ".tmp", "w") as f:
        f.write(str(port))
    os.replace(port_file + ".tmp", port_file)


def serve_grpc(port_file):
    from concurrent import futures

    import grpc
    from opentelemetry.proto.collector.metrics.v1 import metrics_service_pb2_grpc

    class MetricsService(metrics_service_pb2_grpc.MetricsServiceServicer):
        def Export(self, request, context):
            if failing():
                context.abort(grpc.StatusCode.UNAVAILABLE, "refusing on purpose")
            headers = {k: v for k, v in context.invocation_metadata()}
            record(request, headers)
            return ExportMetricsServiceResponse()

    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    metrics_service_pb2_grpc.add_MetricsServiceServicer_to_server(MetricsService(), server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    publish_port(port_file, port)
    server.wait_for_termination()


def main():
    global OUT, FAIL_FILE
    port_file, OUT = sys.argv[1], sys.argv[2]
    args = sys.argv[3:]
    if "--fail-file" in args:
        FAIL_FILE = args[args.index("--fail-file") + 1]
    open(OUT, "w").close()
    if "--grpc" in args:
        serve_grpc(port_file)
        return
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    publish_port(port_file, server.server_address[1])
    server.serve_forever()


if __name__ == "__main__":
    main()
