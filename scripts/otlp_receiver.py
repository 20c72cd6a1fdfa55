"""A minimal OTLP/HTTP trace receiver, built only on PyPI's `opentelemetry-proto` and `protobuf`.

It accepts POST /v1/traces (protobuf, gzip-aware), decodes each ExportTraceServiceRequest independently of the
Rust code under test, and appends one JSON object per span to the output file:
{"service_name", "resource", "scope", "trace_id", "span_id", "parent_span_id", "name", "kind",
 "status_code", "status_message", "attributes", "events", "start", "end"}.

Usage: python3 scripts/otlp_receiver.py PORT_FILE OUT_FILE [--grpc]
Binds 127.0.0.1 on a free port, writes the port to PORT_FILE once listening, and serves until killed. With
--grpc it serves the OTLP gRPC TraceService instead (PyPI `grpcio` and the stubs `opentelemetry-proto` ships).
"""
import gzip
import json
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer

from google.protobuf.json_format import MessageToDict
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)

OUT = None


def value(v):
    kind = v.WhichOneof("value")
    if kind is None:
        return None
    if kind in ("array_value", "kvlist_value"):
        return MessageToDict(getattr(v, kind))
    return getattr(v, kind)


def attrs(kvs):
    return {kv.key: value(kv.value) for kv in kvs}


def write_spans(req):
    """Appends one JSON line per span of a decoded ExportTraceServiceRequest."""
    with open(OUT, "a") as out:
        for rs in req.resource_spans:
            res = attrs(rs.resource.attributes)
            for ss in rs.scope_spans:
                for s in ss.spans:
                    out.write(
                        json.dumps(
                            {
                                "service_name": res.get("service.name"),
                                "resource": res,
                                "scope": ss.scope.name,
                                "trace_id": s.trace_id.hex(),
                                "span_id": s.span_id.hex(),
                                "parent_span_id": s.parent_span_id.hex(),
                                "name": s.name,
                                "kind": s.kind,
                                "status_code": s.status.code,
                                "status_message": s.status.message,
                                "attributes": attrs(s.attributes),
                                "events": [{"name": e.name, "attributes": attrs(e.attributes)} for e in s.events],
                                "start": s.start_time_unix_nano,
                                "end": s.end_time_unix_nano,
                            }
                        )
                        + "\n"
                    )


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        if self.path != "/v1/traces":
            self.send_response(404)
            self.end_headers()
            return
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        if self.headers.get("Content-Encoding", "") == "gzip":
            body = gzip.decompress(body)
        req = ExportTraceServiceRequest()
        try:
            req.ParseFromString(body)
        except Exception as e:  # a malformed body is the sender's bug: say so
            self.send_response(400)
            self.end_headers()
            self.wfile.write(str(e).encode())
            return
        write_spans(req)
        resp = ExportTraceServiceResponse().SerializeToString()
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", str(len(resp)))
        self.end_headers()
        self.wfile.write(resp)

    def log_message(self, *args):
        pass


def publish_port(port_file, port):
    import os

    with open(port_file + ".tmp", "w") as f:
        f.write(str(port))
    os.replace(port_file + ".tmp", port_file)


def serve_grpc(port_file):
    from concurrent import futures

    import grpc
    from opentelemetry.proto.collector.trace.v1 import trace_service_pb2_grpc

    class TraceService(trace_service_pb2_grpc.TraceServiceServicer):
        def Export(self, request, context):
            write_spans(request)
            return ExportTraceServiceResponse()

    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    trace_service_pb2_grpc.add_TraceServiceServicer_to_server(TraceService(), server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    publish_port(port_file, port)
    server.wait_for_termination()


def main():
    global OUT
    port_file, OUT = sys.argv[1], sys.argv[2]
    open(OUT, "w").close()
    if "--grpc" in sys.argv[3:]:
        serve_grpc(port_file)
        return
    server = HTTPServer(("127.0.0.1", 0), Handler)
    publish_port(port_file, server.server_address[1])
    server.serve_forever()


if __name__ == "__main__":
    main()
