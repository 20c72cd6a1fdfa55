"""The reference for OTLP metrics field usage: the Python OpenTelemetry SDK's OTLP/HTTP metrics exporter sends
instruments equivalent to obs' kinds (a counter, a histogram with explicit bounds, a gauge) to ENDPOINT once.

Usage: python3 scripts/otel_sdk_metrics.py http://127.0.0.1:PORT/v1/metrics
"""
import sys

from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
from opentelemetry.metrics import Observation
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader
from opentelemetry.sdk.metrics.view import ExplicitBucketHistogramAggregation, View
from opentelemetry.sdk.resources import Resource


def main():
    exporter = OTLPMetricExporter(endpoint=sys.argv[1])
    reader = PeriodicExportingMetricReader(exporter, export_interval_millis=3_600_000)
    provider = MeterProvider(
        resource=Resource.create({"service.name": "python-peer"}),
        metric_readers=[reader],
        views=[View(instrument_name="peer_duration", aggregation=ExplicitBucketHistogramAggregation([0.1, 1.0]))],
    )
    meter = provider.get_meter("peer", "1.0")
    jobs = meter.create_counter("peer_jobs", description="Jobs run.")
    jobs.add(3, {"queue": "a"})
    duration = meter.create_histogram("peer_duration", unit="s", description="Time per job.")
    for v in (0.05, 0.07, 0.5, 2.0):
        duration.record(v, {"queue": "a"})
    meter.create_observable_gauge(
        "peer_depth", callbacks=[lambda _options: [Observation(7, {"queue": "a"})]], description="Queue depth."
    )
    provider.shutdown()  # one last collection and export


if __name__ == "__main__":
    main()
