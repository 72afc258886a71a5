"""The transparency log over HTTP: C2SP tlog-tiles under ``/log/`` (checkpoint, tiles, entry bundles),
the witnesses' cosignatures, and JSON proofs under ``/v1/log/``.

Everything here is public, without a token: the log holds hashes, document ids
and certificate hashes, never content, and witnesses, mirrors and archives must
read it without an account. Tiles are immutable (long caching); the checkpoint
is not (``no-cache``).
"""
from __future__ import annotations

import base64
import json

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel, Field

from ..service import Service
from ..tlog import merkle
from ..tlog.log import b64
from ..tlog.tiles import TileError, TilePath
from ..errors import NotFound, PayloadTooLarge
from .deps import service
from .models import problems
from .routing import StrictJSONRoute

router = APIRouter(route_class=StrictJSONRoute, tags=["透明日志"])
TEXT = "text/plain; charset=utf-8"
MAX_COSIGNED_NOTE = 64 * 1024


class LogInfo(BaseModel):
    origin: str = Field(description="检查点的来源行，也是日志密钥的名称")
    vkey: str = Field(description="日志检查点公钥（C2SP 验证公钥 名称+密钥号+公钥）")
    size: int = Field(description="当前叶子数（可能尚未进入已签署的检查点）")
    witnesses: list[str] = Field(description="本日志接受其联署的见证方公钥")
    checkpoint_interval: float = Field(description="有新叶子时签署检查点的间隔（秒）")


class InclusionBody(BaseModel):
    leaf: int
    size: int
    root: str = Field(description="大小为 size 的树的根哈希（base64）")
    leaf_hash: str = Field(description="RFC 9162 叶子哈希 SHA-256(0x00 || entry)（base64）")
    entry: dict[str, object] = Field(description="叶子内容（docgen-log/1）：文件 sha256、文书、种类、时间、签名证书")
    entry_b64: str = Field(description="叶子原始字节（规范 JSON，base64）")
    hashes: list[str] = Field(description="RFC 9162 §2.1.3.1 包含证明，自叶子的兄弟节点起（base64）")


class ConsistencyBody(BaseModel):
    from_: int = Field(alias="from")
    to: int
    from_root: str
    to_root: str
    hashes: list[str] = Field(description="RFC 9162 §2.1.4.1 一致性证明（base64）")


class Cosigned(BaseModel):
    stored: int = Field(description="新存下的联署个数")


def text(body: str, *, cache: str) -> Response:
    return Response(body, media_type=TEXT, headers={"Cache-Control": cache})


@router.get("/v1/log", response_model=LogInfo)
def log_info(svc: Service = Depends(service)) -> LogInfo:
    return LogInfo(origin=svc.log.origin, vkey=svc.log.vkey.encode(), size=svc.log.size(),
                   witnesses=[w.encode() for w in svc.log.witnesses],
                   checkpoint_interval=svc.settings.log.checkpoint_interval)


@router.get("/log/checkpoint", response_class=Response,
            responses={200: {"content": {TEXT: {}}, "description": "最新的已签署检查点（C2SP tlog-checkpoint），附已收到的联署"}})
def checkpoint(svc: Service = Depends(service)) -> Response:
    return text(svc.log.checkpoint(), cache="no-cache")


@router.get("/log/checkpoint.cosigned", response_class=Response,
            responses={200: {"content": {TEXT: {}}, "description": "最新的经见证方联署的检查点，附全部联署（供档案留存）"}})
def cosigned_checkpoint(svc: Service = Depends(service)) -> Response:
    return text(svc.log.checkpoint(cosigned=True), cache="no-cache")


@router.get("/log/tile/{path:path}", response_class=Response,
            responses={200: {"content": {"application/octet-stream": {}},
                             "description": "瓦片或条目包（C2SP tlog-tiles）"}})
def tile(path: str, svc: Service = Depends(service)) -> Response:
    try:
        parsed = TilePath.parse(f"tile/{path}")
    except TileError as exc:
        raise NotFound(str(exc)) from None
    cache = "public, max-age=31536000, immutable" if parsed.width == 256 else "public, max-age=60"
    return Response(svc.log.tile(parsed), media_type="application/octet-stream", headers={"Cache-Control": cache})


@router.post("/log/cosignature", response_model=Cosigned, responses=problems(403, 409),
             openapi_extra={"requestBody": {"content": {TEXT: {"schema": {"type": "string"}}}, "required": True,
                                            "description": "本日志签署的检查点，加上见证方的联署行"}})
async def cosignature(request: Request, svc: Service = Depends(service)) -> Cosigned:
    """A witness hands back the checkpoint with its cosignature (tlog-cosignature); only the keys of
    ``DOCGEN_LOG_WITNESSES`` count, each verified."""
    body = await request.body()
    if len(body) > MAX_COSIGNED_NOTE:
        raise PayloadTooLarge(f"联署的检查点超过 {MAX_COSIGNED_NOTE} 字节")
    return Cosigned(stored=svc.log.cosign(body))


@router.get("/v1/log/proof/inclusion", response_model=InclusionBody)
def inclusion(leaf: int = Query(ge=0, description="叶子序号（文书记录的 log_index）"),
              size: int = Query(ge=1, description="树的大小（检查点的第二行）"),
              svc: Service = Depends(service)) -> InclusionBody:
    proof = svc.log.inclusion(leaf, size)
    return InclusionBody(leaf=leaf, size=size, root=b64(proof.root), leaf_hash=b64(merkle.leaf_hash(proof.entry)),
                         entry=json.loads(proof.entry), entry_b64=base64.b64encode(proof.entry).decode(),
                         hashes=[b64(h) for h in proof.path])


@router.get("/v1/log/proof/consistency", response_model=ConsistencyBody, response_model_by_alias=True)
def consistency(first: int = Query(alias="from", ge=1, description="旧树的大小"),
                second: int = Query(alias="to", ge=1, description="新树的大小"),
                svc: Service = Depends(service)) -> ConsistencyBody:
    proof, old, new = svc.log.consistency(first, second)
    return ConsistencyBody(**{"from": first}, to=second, from_root=b64(old), to_root=b64(new),
                           hashes=[b64(h) for h in proof])
