"""Principals: the case systems and officers that call the API, with their roles.

A principal authenticates with a bearer token, of which only the sha256 is
stored, and signs with a key whose certificate the agency root issued (see
``pki``). Roles decide what a principal may do: ``case_system`` creates
documents, and each signature stage names the role that may sign it.
"""
from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass

from .errors import Forbidden, Unauthorized
from .pki import Authority, Signer
from .database import Database
from .timefmt import record_now

TOKEN_PREFIX = "dg_"


@dataclass(frozen=True)
class Principal:
    id: str
    name: str
    roles: tuple[str, ...]

    def require(self, role: str) -> None:
        if role not in self.roles:
            raise Forbidden(f"{self.name} 没有 {role} 角色")


def token_sha256(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Principals:
    def __init__(self, db: Database, authority: Authority) -> None:
        self.db = db
        self.authority = authority

    def add(self, name: str, roles: list[str]) -> tuple[Principal, Signer, str]:
        """A new principal with a fresh token and signing certificate; the token is shown once."""
        principal = Principal(f"p{secrets.token_hex(8)}", name, tuple(roles))
        signer = self.authority.issue_signer(principal.id, name, roles)
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        with self.db.transaction() as conn:
            conn.execute(
                "INSERT INTO principals (id, name, roles, token_sha256, created_at) VALUES (?, ?, ?, ?, ?)",
                (principal.id, name, json.dumps(roles), token_sha256(token),
                 record_now()),
            )
        return principal, signer, token

    def authenticate(self, authorization: str | None) -> Principal:
        """The principal of an ``Authorization: Bearer <token>`` header, or 401."""
        scheme, _, token = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthorized("需要 Authorization: Bearer <令牌>")
        row = self.db.query_one("SELECT id, name, roles FROM principals WHERE token_sha256 = ?",
                                token_sha256(token.strip()))
        if row is None:
            raise Unauthorized("令牌无效")
        return Principal(row["id"], row["name"], tuple(json.loads(row["roles"])))

    def any(self) -> bool:
        return self.db.query_one("SELECT 1 FROM principals LIMIT 1") is not None
