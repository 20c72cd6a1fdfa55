"""A payment provider in Python, instrumented with the official OpenTelemetry SDK: the cross-language peer of
the end-to-end suite. It extracts the W3C `traceparent` the demo sends, records its own server span as a child,
and exports it over OTLP/HTTP.

Usage: python3 scripts/payment_provider.py PORT OTLP_ENDPOINT
"""
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from opentelemetry import trace
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

port, endpoint = int(sys.argv[1]), sys.argv[2]
provider = TracerProvider(resource=Resource.create({"service.name": "payment-provider"}))
provider.add_span_processor(SimpleSpanProcessor(OTLPSpanExporter(endpoint=f"{endpoint}/v1/traces")))
trace.set_tracer_provider(provider)
tracer = trace.get_tracer("payment-provider")
propagator = TraceContextTextMapPropagator()


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        ctx = propagator.extract({k.lower(): v for k, v in self.headers.items()})
        with tracer.start_as_current_span("POST /charge", context=ctx, kind=trace.SpanKind.SERVER) as span:
            span.set_attribute("http.request.method", "POST")
            span.set_attribute("payment.traceparent_received", self.headers.get("traceparent", ""))
            self.send_response(200)
            self.send_header("Content-Length", "3")
            self.end_headers()
            self.wfile.write(b"ok\n")

    def log_message(self, *args):
        pass


ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()
