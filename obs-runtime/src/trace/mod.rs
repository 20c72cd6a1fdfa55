//! Spans, RED metrics of traced functions, the OTLP export pipeline and W3C propagation.
