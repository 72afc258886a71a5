"""The schemas a case system fetches: usable by a stock validator, with nothing to resolve elsewhere.

Every schema is fetched over HTTP from a real server and given to ``jsonschema``'s plain
``Draft202012Validator`` with an empty registry (no resources, no retrieval): it validates every
example, and it refuses what the server refuses on a schema rule (a required field dropped, a
pattern or an enum broken), at the same place.
"""
from __future__ import annotations

import copy
from typing import Any, Iterator
from urllib.parse import urlsplit

import httpx
import pytest
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.exceptions import NoSuchResource

from docgen.catalogue import Catalogue
from docgen.config import Settings
from docgen.jsontext import pointer
from docgen.published import PublishedSchemas
from docgen.web.schema_form import resolved
from payloads import leaves
from serving import Server

NOT_AN_OPTION = "（不在可选范围内）"
NOT_THE_PATTERN = "??"
PLACEHOLDER = "docgen.example"


def releases(api: httpx.Client, active_only: bool = False) -> Iterator[tuple[str, str]]:
    """(template id, version) of every released version (or every one that still issues), as the
    API lists them."""
    for template in api.get("/v1/templates").json():
        for version in template["versions"]:
            if version["status"] == "active" or not active_only:
                yield template["id"], version["version"]


def fetch(api: httpx.Client, template_id: str, version: str, **params: str) -> dict[str, Any]:
    response = api.get(f"/v1/templates/{template_id}/versions/{version}/schema", params=params)
    assert response.status_code == 200 and response.headers["content-type"] == "application/schema+json"
    return response.json()


def stock(schema: dict[str, Any], registry: Registry | None = None) -> Draft202012Validator:
    """jsonschema's own 2020-12 validator; by default an empty registry, so nothing is fetched."""
    return Draft202012Validator(schema, registry=registry if registry is not None else Registry())


def walk(node: Any) -> Iterator[tuple[str, Any]]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield key, value
            yield from walk(value)
    elif isinstance(node, list):
        for item in node:
            yield from walk(item)


def pointer_of(path: Any) -> str:
    return pointer(tuple(path))


def forbidden_names(negated: dict[str, Any]) -> list[str]:
    """The properties ``not: {required: …}`` or ``not: {anyOf: [{required: …}, …]}`` forbids."""
    names = list(negated.get("required", []))
    for branch in negated.get("anyOf", []) + negated.get("oneOf", []):
        names += branch.get("required", []) if isinstance(branch, dict) else []
    return names


def refused_at(validator: Draft202012Validator, payload: Any) -> set[str]:
    """The pointers the stock validator refuses, every ``oneOf``/``anyOf`` branch included; a missing,
    unexpected or forbidden (``not: {required}``) property is pointed at by name, as the server does."""
    found: set[str] = set()

    def collect(errors: Any) -> None:
        for error in errors:
            at = pointer_of(error.absolute_path)
            if error.validator == "required":
                found.update(f"{at}/{name}" for name in error.validator_value if name not in error.instance)
            elif error.validator in ("additionalProperties", "unevaluatedProperties"):
                found.update(f"{at}/{name}" for name in error.instance
                             if name not in error.schema.get("properties", {}))
            elif error.validator == "not" and isinstance(error.validator_value, dict) \
                    and forbidden_names(error.validator_value):  # properties that must be absent
                found.update(f"{at}/{name}" for name in forbidden_names(error.validator_value)
                             if name in error.instance)
            else:
                found.add(at)
            collect(error.context or ())

    collect(validator.iter_errors(payload))
    return found


def rules_at(schema: dict[str, Any], pointer: str) -> list[dict[str, Any]]:
    """Every subschema that applies at ``pointer`` of a payload (``schema`` resolved: no ``$ref``):
    through properties and items, into every allOf/anyOf/oneOf branch and then/else."""
    def expand(node: Any) -> Iterator[dict[str, Any]]:
        if isinstance(node, dict):
            yield node
            for key in ("allOf", "anyOf", "oneOf"):
                for branch in node.get(key, ()):
                    yield from expand(branch)
            for key in ("then", "else"):
                yield from expand(node.get(key))

    nodes = list(expand(schema))
    for part in pointer.strip("/").split("/"):
        nodes = [child for node in nodes
                 for child in expand(node.get("items") if part.isdigit() else node.get("properties", {}).get(part))]
    return nodes


def broken(catalogue: Catalogue, template_id: str, version: str) -> tuple[dict[str, Any], int, int]:
    """The example with every value that has a ``pattern`` or an ``enum`` made to break it; how many
    of each."""
    release = catalogue.get(template_id, version)
    tree = resolved(release.schema, catalogue.registry)
    payload = copy.deepcopy(release.example)
    patterns = enums = 0
    for pointer, value in list(leaves(release.example)):
        if not isinstance(value, str):
            continue
        rules = rules_at(tree, pointer)
        if any("enum" in rule for rule in rules):
            replace(payload, pointer, NOT_AN_OPTION)
            enums += 1
        elif any("pattern" in rule for rule in rules):
            replace(payload, pointer, NOT_THE_PATTERN)
            patterns += 1
    return payload, patterns, enums


def replace(payload: Any, pointer: str, value: Any) -> None:
    *parents, last = pointer.strip("/").split("/")
    node = payload
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node[part]
    node[int(last) if isinstance(node, list) else last] = value


def server_refuses(api: httpx.Client, template_id: str, version: str, payload: Any) -> set[str]:
    response = api.post("/v1/documents", json={"template": template_id, "version": version, "data": payload})
    assert response.status_code == 422, (template_id, response.text)
    return {error["pointer"].removeprefix("/data") for error in response.json()["errors"]}


# --------------------------------------------------------------------------- tests


def test_every_schema_is_self_contained_and_validates_its_example(api: httpx.Client, api_server: Server) -> None:
    checked = 0
    for template_id, version in releases(api):
        schema = fetch(api, template_id, version)
        placeholders = [value for key, value in walk(schema)
                         if key != "$comment" and isinstance(value, str) and PLACEHOLDER in value]
        assert not placeholders, (template_id, placeholders)  # the released $id is named in $comment only
        own = f"{api_server.url}/v1/templates/{template_id}/versions/{version}/schema"
        assert schema["$id"] == own
        embedded = {key for key in schema.get("$defs", {}) if key.startswith(api_server.url)}
        for key, value in walk(schema):
            if key == "$ref":
                target = value.partition("#")[0]
                assert target in ("", own) or target in embedded, (template_id, value)
            if key == "$id":
                assert value.startswith(api_server.url + "/v1/"), (template_id, value)
        for key in embedded:
            assert schema["$defs"][key]["$id"] == key, "an embedded resource keeps its own $id"
        example = api.get(f"/v1/templates/{template_id}/versions/{version}/example").json()
        Draft202012Validator.check_schema(schema)  # against the 2020-12 meta-schema
        stock(schema).validate(example)
        checked += 1
    assert checked >= 57


def test_unbundled_refs_resolve_against_the_service(api: httpx.Client, api_server: Server) -> None:
    """``?bundle=false``: the shared definitions stay out, and their ``$ref``s are URLs of this
    service that a client can fetch (here: a registry that retrieves only from it)."""
    fetched: dict[str, Resource] = {}

    def retrieve(uri: str) -> Resource:
        if urlsplit(uri).netloc != urlsplit(api_server.url).netloc:
            raise NoSuchResource(ref=uri)
        if uri not in fetched:
            response = api.get(uri)
            assert response.status_code == 200 and response.headers["content-type"] == "application/schema+json"
            fetched[uri] = Resource.from_contents(response.json())
        return fetched[uri]

    for template_id, version in releases(api):
        schema = fetch(api, template_id, version, bundle="false")
        assert not any(key.startswith("http") for key in schema.get("$defs", {})), template_id
        example = api.get(f"/v1/templates/{template_id}/versions/{version}/example").json()
        stock(schema, Registry(retrieve=retrieve)).validate(example)  # type: ignore[call-arg]
    assert f"{api_server.url}/v1/schemas/_defs/1" in fetched
    shared = api.get("/v1/schemas/_defs/1").json()
    assert shared["$id"] == f"{api_server.url}/v1/schemas/_defs/1" and "party" in shared["$defs"]
    missing = api.get("/v1/schemas/_defs/999")
    assert missing.status_code == 404 and missing.headers["content-type"].startswith("application/problem+json")


def test_what_the_server_refuses_on_a_schema_rule_the_schema_refuses_at_the_same_place(
        api: httpx.Client, catalogue: Catalogue) -> None:
    """Per template: every required top-level field dropped; every value with a pattern or an enum
    broken. Each place the server names (it lists every error) is refused by the fetched schema.
    (A retired version is refused whatever its data: it issues nothing.)"""
    totals = {"required": 0, "pattern": 0, "enum": 0}
    for template_id, version in releases(api, active_only=True):
        validator = stock(fetch(api, template_id, version))
        example = catalogue.get(template_id, version).example
        required = [name for name in validator.schema["required"] if name in example]
        dropped = {name: value for name, value in example.items() if name not in required}
        payloads = [(dropped, {f"/{name}" for name in required})]
        assert required, template_id
        totals["required"] += len(required)
        payload, patterns, enums = broken(catalogue, template_id, version)
        if patterns or enums:
            payloads.append((payload, set()))
            totals["pattern"] += patterns
            totals["enum"] += enums
        for payload, expected in payloads:
            refused_by_server = server_refuses(api, template_id, version, payload)
            assert expected <= refused_by_server, (template_id, expected - refused_by_server)
            refused_by_schema = refused_at(validator, payload)
            assert refused_by_server <= refused_by_schema, (template_id, refused_by_server - refused_by_schema)
    assert totals["required"] >= 400 and totals["pattern"] >= 40 and totals["enum"] >= 60, totals


def test_behind_a_tls_proxy_the_ids_say_https(api: httpx.Client, api_server: Server) -> None:
    """uvicorn trusts ``X-Forwarded-Proto`` from the loopback proxy; the base URL follows it."""
    schema = api.get("/v1/templates/penalty-decision/versions/1/schema",
                     headers={"X-Forwarded-Proto": "https"}).json()
    assert schema["$id"] == f"https://{urlsplit(api_server.url).netloc}/v1/templates/penalty-decision/versions/1/schema"


def test_a_configured_public_url_names_every_schema(catalogue: Catalogue, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOCGEN_PUBLIC_URL", "https://docgen.zzscjg.example.cn/api/")
    base = Settings.from_env().public_url
    assert base == "https://docgen.zzscjg.example.cn/api"
    published = PublishedSchemas(catalogue)
    schema = published.template(catalogue.get("penalty-decision"), base)
    version = catalogue.get("penalty-decision").version
    assert schema["$id"] == f"{base}/v1/templates/penalty-decision/versions/{version}/schema"
    # The shared definitions the current version pins (schemas/_defs/<n>.schema.json) are served as _defs/<n>.
    [shared] = [name for name in catalogue.get("penalty-decision").sha256 if name.startswith("schemas/_defs/")]
    defs = shared.removeprefix("schemas/").removesuffix(".schema.json")
    assert list(schema["$defs"])[-1] == f"{base}/v1/schemas/{defs}"
    assert schema["properties"]["party"]["$ref"] == f"{base}/v1/schemas/{defs}#/$defs/party"
    assert catalogue.get("penalty-decision").schema["$id"].startswith("https://docgen.example/"), \
        "the released file is untouched"
    for bad in ("ftp://host", "docgen.local", "https://host/?q=1"):
        monkeypatch.setenv("DOCGEN_PUBLIC_URL", bad)
        with pytest.raises(ValueError, match="DOCGEN_PUBLIC_URL"):
            Settings.from_env()
