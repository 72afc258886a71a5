"""``GET /metrics``: the Prometheus text exposition of this process (``docgen.metrics``).

No token: the series name routes, templates, stages and outcomes, never a document,
a person or a token, and Prometheus scrapes every server directly on its own address
(scraping through the load balancer would mix the servers' counters). The load balancer
does not route ``/metrics`` from outside; see docs/deployment.md.
"""
from __future__ import annotations

from fastapi import APIRouter, Depends
from fastapi.responses import Response

from .. import metrics
from ..service import Service
from .deps import service
from .routing import StrictJSONRoute

router = APIRouter(route_class=StrictJSONRoute, tags=["运行状态"])


@router.get("/metrics", response_class=Response,
            responses={200: {"content": {"text/plain": {}}, "description": "Prometheus 文本格式的指标"}})
def prometheus_metrics(svc: Service = Depends(service)) -> Response:
    """The current state (queues, live converters, verification in flight, free space) is read now; the counters
    and histograms were counted as things happened."""
    metrics.CONVERTER_QUEUE.set(svc.converter.waiting())
    metrics.CONVERTERS_ALIVE.set(svc.converter.alive())
    metrics.VERIFICATIONS_IN_FLIGHT.set(svc.sandbox.in_flight)
    metrics.STORAGE_FREE.set(svc.storage.space(0).free)
    body, content_type = metrics.exposition()
    return Response(body, media_type=content_type)
