"""Parses OpenMetrics text from stdin with the official Python parser; prints nothing when it is valid."""
import sys

from prometheus_client.openmetrics.parser import text_string_to_metric_families

text = sys.stdin.read()
try:
    families = list(text_string_to_metric_families(text))
except Exception as e:  # the parser raises ValueError and friends on any malformed line
    print(f"invalid OpenMetrics: {e}")
    sys.exit(1)
if not families:
    print("no metric families parsed")
    sys.exit(1)
