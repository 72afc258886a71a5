"""Prometheus metrics of one server process: what an operator watches and alerts on.

One registry of docgen's own (not the library's global one), so ``/metrics`` shows exactly
these series plus the process collector. Every label is bounded: HTTP routes are
templates (``/v1/documents/{document_id}``, never an id), templates and stages come from
the released catalogue, outcomes are a few fixed words. So the number of series does
not grow with the documents issued.

Counters are incremented where the thing happens (the converter wrapper, ``conversion``
for restarts, ``stages`` for signatures, ``issuance`` for documents, ``service`` for
verification); the gauges that describe current state (queue depth, live converters,
verification in flight) are read from the service when ``/metrics`` is scraped.

Each process has its own registry: with several ``docgen serve`` processes, Prometheus
scrapes each one (see docs/deployment.md); prometheus-client's multiprocess mode is not
used.
"""
from __future__ import annotations

import time
from contextlib import contextmanager
from typing import Iterator

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, ProcessCollector, generate_latest
from prometheus_client import CONTENT_TYPE_LATEST, disable_created_metrics

disable_created_metrics()  # no ``*_created`` series: Prometheus does not need them, and they double the output
REGISTRY = CollectorRegistry(auto_describe=True)
ProcessCollector(registry=REGISTRY)

#: Seconds: an API read takes milliseconds, an issuance a conversion (0.1–2 s), a volume tens of seconds.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
CONVERSION_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 40.0)

HTTP_REQUESTS = Counter("docgen_http_requests_total", "HTTP requests answered, by route template and status.",
                        ["method", "route", "status"], registry=REGISTRY)
HTTP_LATENCY = Histogram("docgen_http_request_duration_seconds",
                         "Time from the request's arrival to the end of its response, by route template.",
                         ["method", "route"], buckets=LATENCY_BUCKETS, registry=REGISTRY)
HTTP_IN_FLIGHT = Gauge("docgen_http_requests_in_flight", "Requests being handled now (what a shutdown drains).",
                       registry=REGISTRY)

CONVERSIONS = Counter("docgen_conversions_total", "DOCX → PDF/A conversions, by outcome (ok, failed, busy).",
                      ["outcome"], registry=REGISTRY)
CONVERSION_SECONDS = Histogram("docgen_conversion_duration_seconds",
                               "Time of one conversion, waiting for a converter included.",
                               buckets=CONVERSION_BUCKETS, registry=REGISTRY)
CONVERTER_QUEUE = Gauge("docgen_converter_queue_depth", "Conversions waiting for a free converter.",
                        registry=REGISTRY)
CONVERTERS_ALIVE = Gauge("docgen_converters_alive", "Converters that could convert now.", registry=REGISTRY)
CONVERTER_RESTARTS = Counter("docgen_converter_restarts_total",
                             "LibreOffice processes replaced, by reason (recycled, failed).",
                             ["reason"], registry=REGISTRY)

SIGNATURES = Counter("docgen_signatures_total", "Signed stage files produced, by stage (issuance, dept_head, …).",
                     ["stage"], registry=REGISTRY)
DOCUMENTS_ISSUED = Counter("docgen_documents_issued_total", "Documents issued (stored), by template.",
                           ["template"], registry=REGISTRY)

VERIFICATIONS = Counter("docgen_verification_jobs_total",
                        "Verification jobs, by outcome (verified, failed, rejected, busy, budget).",
                        ["outcome"], registry=REGISTRY)
VERIFICATION_SECONDS = Histogram("docgen_verification_duration_seconds", "Time of one verification job.",
                                 buckets=CONVERSION_BUCKETS, registry=REGISTRY)
VERIFICATIONS_IN_FLIGHT = Gauge("docgen_verification_jobs_in_flight", "Verification jobs running or waiting.",
                                registry=REGISTRY)

STORAGE_FREE = Gauge("docgen_storage_free_bytes", "Free bytes on the blob store's file system (issuing stops "
                     "with 507 below DOCGEN_MIN_FREE_BYTES).", registry=REGISTRY)

#: The route label of a request no route matched (404s for unknown addresses): one series, not one per path.
UNMATCHED = "(unmatched)"


@contextmanager
def timed(histogram: Histogram) -> Iterator[None]:
    """Observe the block's duration in ``histogram``, whether it returns or raises."""
    start = time.perf_counter()
    try:
        yield
    finally:
        histogram.observe(time.perf_counter() - start)


def exposition() -> tuple[bytes, str]:
    """The text exposition of every series and its content type, for ``GET /metrics``."""
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST
