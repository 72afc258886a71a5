"""C2SP tlog-tiles: tile paths, tiles and entry bundles, and proofs computed from tiles.

The log serves its tree as static resources (``<prefix>/tile/<L>/<N>[.p/<W>]``,
``<prefix>/tile/entries/<N>[.p/<W>]``, ``<prefix>/checkpoint``), so any file
server or archive can mirror it and a verifier can work from the copy alone.
A tile at level L holds the hashes of complete subtrees of 256^L leaves
(tree level 8·L); ``TileNodes`` turns tiles back into the ``merkle.NodeSource``
the proof functions use, so the offline verifier and the server compute proofs
with the same code. Tiles need no checking of their own: a wrong hash gives a
root that does not match the signed checkpoint.
"""
from __future__ import annotations

import re
import struct
from dataclasses import dataclass
from typing import Callable, Iterator

from . import merkle

WIDTH = 256
HEIGHT = 8  # tree levels per tile level: 256 = 2^8
MAX_ENTRY = 0xFFFF  # entries are uint16 length-prefixed in bundles


class TileError(ValueError):
    """A tile path that is not one, or a tile that is missing or malformed."""


@dataclass(frozen=True)
class TilePath:
    """``level`` is the tile level (``None`` for entry bundles); ``width`` < 256 for a partial tile."""

    level: int | None
    index: int
    width: int = WIDTH

    def __str__(self) -> str:
        groups = []
        n = self.index
        while True:
            groups.append(f"{n % 1000:03d}")
            n //= 1000
            if not n:
                break
        encoded = "/".join(["x" + g for g in reversed(groups[1:])] + [groups[0]])
        head = "entries" if self.level is None else str(self.level)
        suffix = f".p/{self.width}" if self.width < WIDTH else ""
        return f"tile/{head}/{encoded}{suffix}"

    @classmethod
    def parse(cls, path: str) -> "TilePath":
        """``tile/<L>/<N>[.p/<W>]`` exactly as tlog-tiles writes it (no leading zeros, 3-digit groups)."""
        match = re.fullmatch(r"tile/(entries|0|[1-9][0-9]?)/((?:x[0-9]{3}/)*)([0-9]{3})(?:\.p/([1-9][0-9]{0,2}))?",
                             path)
        if not match:
            raise TileError(f"不是 tlog-tiles 的瓦片路径：{path!r}")
        head, prefix, last, width = match.groups()
        level = None if head == "entries" else int(head)
        if level is not None and level > 63:
            raise TileError(f"瓦片层级应在 0 到 63 之间：{head}")
        groups = [g[1:] for g in prefix.split("/") if g] + [last]
        if len(groups) > 1 and groups[0] == "000":
            raise TileError(f"瓦片序号有多余的前导零：{path!r}")
        size = int(width) if width else WIDTH
        if width and size >= WIDTH:
            raise TileError(f"部分瓦片的宽度应在 1 到 255 之间：{width}")
        return cls(level, int("".join(groups)), size)


def level_count(size: int, level: int) -> int:
    """How many hashes tile level ``level`` has for a tree of ``size`` leaves: floor(size / 256^level)."""
    return size >> (HEIGHT * level)


def paths_for(size: int) -> Iterator[TilePath]:
    """Every tile and entry bundle a tree of ``size`` leaves is served as (full tiles, then partial)."""
    level = 0
    while level_count(size, level):
        count = level_count(size, level)
        for n in range(count // WIDTH):
            yield TilePath(level, n)
            if level == 0:
                yield TilePath(None, n)
        if count % WIDTH:
            yield TilePath(level, count // WIDTH, count % WIDTH)
            if level == 0:
                yield TilePath(None, count // WIDTH, count % WIDTH)
        level += 1


def bundle(entries: list[bytes]) -> bytes:
    out = bytearray()
    for entry in entries:
        if len(entry) > MAX_ENTRY:
            raise TileError("日志条目超过 65535 字节")
        out += struct.pack(">H", len(entry)) + entry
    return bytes(out)


def unbundle(data: bytes) -> list[bytes]:
    entries, at = [], 0
    while at < len(data):
        if at + 2 > len(data):
            raise TileError("条目包在长度前缀中间截断")
        (length,) = struct.unpack(">H", data[at:at + 2])
        if at + 2 + length > len(data):
            raise TileError("条目包在条目中间截断")
        entries.append(data[at + 2:at + 2 + length])
        at += 2 + length
    return entries


class TileNodes:
    """A ``merkle.NodeSource`` over the tiles of a tree of ``size`` leaves, read through ``fetch(path)``."""

    def __init__(self, fetch: Callable[[str], bytes], size: int) -> None:
        self.fetch = fetch
        self.size = size
        self._tiles: dict[TilePath, list[bytes]] = {}

    def tile(self, level: int, number: int) -> list[bytes]:
        count = level_count(self.size, level)
        width = min(WIDTH, count - number * WIDTH)
        if width <= 0:
            raise TileError(f"大小为 {self.size} 的树没有第 {level} 层第 {number} 号瓦片")
        path = TilePath(level, number, width)
        if path not in self._tiles:
            data = self.fetch(str(path))
            if len(data) != width * merkle.HASH_SIZE:
                raise TileError(f"瓦片 {path} 应为 {width * merkle.HASH_SIZE} 字节，实际 {len(data)} 字节")
            self._tiles[path] = [data[i:i + merkle.HASH_SIZE] for i in range(0, len(data), merkle.HASH_SIZE)]
        return self._tiles[path]

    def __call__(self, level: int, index: int) -> bytes:
        tile_level, up = divmod(level, HEIGHT)
        first = index << up  # the subtree's first hash at tree level 8·tile_level
        hashes = []
        for at in range(first, first + (1 << up)):
            hashes.append(self.tile(tile_level, at // WIDTH)[at % WIDTH])
        while len(hashes) > 1:
            hashes = [merkle.node_hash(hashes[i], hashes[i + 1]) for i in range(0, len(hashes), 2)]
        return hashes[0]

    def entries(self) -> Iterator[tuple[int, bytes]]:
        """Every entry of the tree with its index, from the entry bundles."""
        for number in range((self.size + WIDTH - 1) // WIDTH):
            width = min(WIDTH, self.size - number * WIDTH)
            path = TilePath(None, number, width)
            found = unbundle(self.fetch(str(path)))
            if len(found) != width:
                raise TileError(f"条目包 {path} 应有 {width} 个条目，实际 {len(found)} 个")
            for offset, entry in enumerate(found):
                yield number * WIDTH + offset, entry
