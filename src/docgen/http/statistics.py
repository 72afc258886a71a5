"""``GET /v1/statistics``: the year's 行政执法统计年报 as JSON, every figure with the documents it counts."""
from __future__ import annotations

from fastapi import APIRouter, Depends, Query
from fastapi.concurrency import run_in_threadpool

from ..principals import Principal
from ..service import Service
from ..statistics.annual import annual
from .deps import principal, service
from .models import Statistics, problems
from .routing import StrictJSONRoute

router = APIRouter(route_class=StrictJSONRoute, tags=["统计"], responses=problems(401))


@router.get("/v1/statistics", response_model=Statistics)
async def statistics(year: str = Query(..., description="年度：四位数字，不早于 2000 年、不晚于本年（本年由服务器按机关时区判断）",
                                      max_length=16, json_schema_extra={"pattern": "^[0-9]{4}$"}),
                     department: str | None = Query(None, max_length=100, description="承办部门；省略为全部"),
                     svc: Service = Depends(service), _: Principal = Depends(principal)) -> Statistics:
    """Any principal may read; the figures are computed on each request from the signed record."""
    result = await run_in_threadpool(annual, svc, year, department)
    return Statistics.model_validate(result.to_dict())
