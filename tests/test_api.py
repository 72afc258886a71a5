"""The HTTP API against a real server: the contract (``api``) with LibreOffice and with the fake
converter, what the PDFs show (``client``) with LibreOffice only."""
from __future__ import annotations

import copy
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import quote

import httpx
import pytest

import pdftools
from payloads import choice_values, leaves, printed_values
from docgen.catalogue import Catalogue


def free_text_pointer(catalogue: Catalogue, template_id: str) -> str:
    """The pointer of a long free-text field of the example (no format, pattern or enum)."""
    release = catalogue.get(template_id)
    for pointer, value in leaves(release.example):
        if not isinstance(value, str):
            continue
        schema = schema_at(catalogue, release.schema, pointer)
        if schema.get("maxLength", 0) >= 200 and not {"format", "pattern", "enum", "const"} & schema.keys():
            return pointer
    raise AssertionError(f"{template_id} has no free-text field")


def schema_at(catalogue: Catalogue, schema: dict[str, Any], pointer: str) -> dict[str, Any]:
    """Follow a payload pointer through properties/items/$ref (the oneOf branch that has the field)."""
    resolver = catalogue.registry.resolver(base_uri=schema["$id"])
    node, resolver = resolve(schema, resolver)
    for part in pointer.strip("/").split("/"):
        if "oneOf" in node:
            branches = [resolve(branch, resolver) for branch in node["oneOf"]]
            node, resolver = next(b for b in branches if part in b[0].get("properties", {}))
        node, resolver = resolve(node["items"] if part.isdigit() else node["properties"][part], resolver)
    return node


def resolve(node: dict[str, Any], resolver: Any) -> tuple[dict[str, Any], Any]:
    while "$ref" in node:
        resolved = resolver.lookup(node["$ref"])
        node, resolver = resolved.contents, resolved.resolver
    return node, resolver


def set_at(payload: dict[str, Any], pointer: str, value: Any) -> None:
    parts = pointer.strip("/").split("/")
    node: Any = payload
    for part in parts[:-1]:
        node = node[int(part)] if isinstance(node, list) else node[part]
    last = parts[-1]
    if isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value


def document_count(server) -> int:
    return server.rows("SELECT COUNT(*) FROM documents")[0][0]


def issue(client: httpx.Client, template: str, data: Any, **headers: str) -> httpx.Response:
    return client.post("/v1/documents", json={"template": template, "data": data}, headers=headers)


def test_health_and_readiness(api: httpx.Client, api_server) -> None:
    assert api.get("/healthz").json() == {"status": "ok"}
    ready = api.get("/readyz").json()
    assert ready["status"] == "ready"
    assert ready["checks"]["converters"] == (2 if api_server.converter == "libreoffice" else 1)


def test_openapi_lists_the_endpoints(api: httpx.Client) -> None:
    paths = api.get("/openapi.json").json()["paths"]
    for path in ("/v1/templates", "/v1/documents", "/v1/documents/{document_id}/pdf",
                 "/v1/templates/{template_id}/versions/{version}/blank", "/v1/schemas/_defs/{version}"):
        assert path in paths


def test_template_listing_matches_the_catalogue(api: httpx.Client, catalogue: Catalogue) -> None:
    listed = {t["id"]: t for t in api.get("/v1/templates").json()}
    assert set(listed) == set(catalogue.templates)
    review = listed["major-decision-review"]
    assert review["title"] == "重大行政执法决定法制审核表"
    detail = api.get("/v1/templates/penalty-decision").json()
    version = detail["versions"][-1]
    assert api.get(version["links"]["schema"]).json()["$schema"].endswith("2020-12/schema")
    assert api.get(version["links"]["example"]).json() == catalogue.get("penalty-decision").example


def test_every_blank_form_downloads_as_pdf_and_docx(client: httpx.Client, catalogue: Catalogue) -> None:
    for template_id, template in catalogue.templates.items():
        base = f"/v1/templates/{template_id}/versions/{template.current.version}/blank"
        pdf = client.get(base)
        assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf", template_id
        assert pdf.content.startswith(b"%PDF")
        text = pdftools.text(pdf.content)
        assert "{{" not in text and "{%" not in text, template_id
        docx = client.get(base, params={"format": "docx"})
        assert docx.status_code == 200 and docx.content.startswith(b"PK"), template_id
    again = client.get(base)
    assert again.content == pdf.content, "a blank form is made once and then served from storage"
    assert "filename*=UTF-8''" in docx.headers["content-disposition"]


def test_a_retired_version_issues_nothing_but_still_serves_its_files(api: httpx.Client, api_server,
                                                                       catalogue: Catalogue) -> None:
    template = catalogue.templates["penalty-decision"]
    retired = next(v for v in template.versions if v.status == "retired")
    before = document_count(api_server)
    response = api.post("/v1/documents", json={"template": "penalty-decision", "version": retired.version,
                                               "data": retired.example})
    assert response.status_code == 422 and response.headers["content-type"].startswith("application/problem+json")
    assert f"现行版本 {template.current.version}" in response.json()["detail"]
    assert document_count(api_server) == before
    listed = api.get("/v1/templates/penalty-decision").json()
    assert {"version": retired.version, "status": "retired"} in [
        {"version": v["version"], "status": v["status"]} for v in listed["versions"]]
    base = f"/v1/templates/penalty-decision/versions/{retired.version}"
    assert api.get(f"{base}/schema").json()["$id"] == f"{api_server.url}{base}/schema"
    assert api.get(f"{base}/blank").content.startswith(b"%PDF")


def test_every_example_issues_a_pdf_containing_its_values(client: httpx.Client, catalogue: Catalogue) -> None:
    """Every free text (see ``payloads.printed_values``: a choice may be printed as a phrase)."""
    for template_id in catalogue.templates:
        release = catalogue.get(template_id)
        response = issue(client, template_id, release.example)
        assert response.status_code == 201, response.text
        body = response.json()
        pdf = client.get(body["links"]["pdf"]).content
        text = pdftools.body_text(pdf)
        choices = choice_values(release.schema, catalogue.registry)
        missing = [value for _, value in printed_values(release.example, choices)
                   if len(value) > 1 and not pdftools.contains(text, value)]
        assert not missing, f"{template_id}: values not in the PDF: {missing}"


def test_issued_pdf_is_pdfa_2b_with_embedded_fonts(client: httpx.Client, catalogue: Catalogue) -> None:
    body = issue(client, "penalty-decision", catalogue.get("penalty-decision").example).json()
    pdf = client.get(body["links"]["pdf"]).content
    assert pdftools.pdfa_part(pdf) == ("3", "B")
    rows = pdftools.fonts(pdf)
    assert rows and all(row["emb"] == "yes" for row in rows), rows
    assert any("NotoSerifCJK" in row["name"] for row in rows), rows


def test_document_record_and_downloads(api: httpx.Client, catalogue: Catalogue) -> None:
    created = issue(api, "penalty-decision", catalogue.get("penalty-decision").example)
    body = created.json()
    assert created.headers["location"] == body["links"]["self"]
    assert body["doc_number"].startswith("株市监处罚〔") and body["doc_number"].endswith("号")
    assert body["version"] == catalogue.get("penalty-decision").version and body["template_sha256"]
    record = api.get(body["links"]["self"]).json()
    assert record["data"] == catalogue.get("penalty-decision").example
    pdf = api.get(body["links"]["pdf"])
    assert pdf.headers["etag"] == f'"{body["sha256"]}"'
    assert quote(f"行政处罚决定书-{body['doc_number']}.pdf") in pdf.headers["content-disposition"]
    assert api.get(body["links"]["pdf"]).content == pdf.content, "downloads are the stored bytes"
    cached = api.get(body["links"]["pdf"], headers={"If-None-Match": pdf.headers["etag"]})
    assert cached.status_code == 304
    docx = api.get(body["links"]["docx"])
    assert docx.headers["etag"] == f'"{body["docx_sha256"]}"' and docx.content.startswith(b"PK")


def test_invalid_payload_lists_every_error_and_stores_nothing(api: httpx.Client, api_server,
                                                              catalogue: Catalogue) -> None:
    data = copy.deepcopy(catalogue.get("penalty-decision").example)
    pointer = free_text_pointer(catalogue, "penalty-decision")
    set_at(data, pointer, 12345)
    data["unexpected_field"] = "x"
    before = document_count(api_server)
    response = issue(api, "penalty-decision", data)
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["status"] == 422 and problem["type"].endswith("validation-failed")
    pointers = {error["pointer"] for error in problem["errors"]}
    assert "/data" + pointer in pointers
    assert "/data/unexpected_field" in pointers
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in e["message"]) for e in problem["errors"])
    assert document_count(api_server) == before


def test_malformed_requests_get_problem_documents(api: httpx.Client) -> None:
    unknown = issue(api, "no-such-instrument", {})
    assert unknown.status_code == 404 and unknown.json()["type"].endswith("not-found")
    no_data = api.post("/v1/documents", json={"template": "penalty-decision"})
    assert no_data.status_code == 422 and no_data.json()["errors"][0]["pointer"] == "/data"
    not_json = api.post("/v1/documents", content=b"{", headers={"content-type": "application/json"})
    assert not_json.status_code == 422
    assert not_json.headers["content-type"].startswith("application/problem+json")
    missing = api.get("/v1/documents/does-not-exist")
    assert missing.status_code == 404 and missing.json()["title"] == "未找到"


def test_idempotency_key_replays_the_first_document(api: httpx.Client, api_server, catalogue: Catalogue) -> None:
    example = catalogue.get("penalty-notice").example
    first = issue(api, "penalty-notice", example, **{"Idempotency-Key": "case-42-notice"})
    count = document_count(api_server)
    retry = issue(api, "penalty-notice", example, **{"Idempotency-Key": "case-42-notice"})
    assert first.status_code == retry.status_code == 201
    assert retry.json()["id"] == first.json()["id"]
    assert retry.json()["doc_number"] == first.json()["doc_number"]
    assert retry.headers["idempotent-replayed"] == "true"
    assert document_count(api_server) == count
    changed = copy.deepcopy(example)
    set_at(changed, free_text_pointer(catalogue, "penalty-notice"), "另一份告知书")
    reused = issue(api, "penalty-notice", changed, **{"Idempotency-Key": "case-42-notice"})
    assert reused.status_code == 422 and reused.json()["type"].endswith("idempotency-key-reused")


def test_rejected_request_frees_its_idempotency_key(api: httpx.Client, catalogue: Catalogue) -> None:
    bad = issue(api, "penalty-notice", {"nonsense": True}, **{"Idempotency-Key": "retry-after-fix"})
    assert bad.status_code == 422
    good = issue(api, "penalty-notice", catalogue.get("penalty-notice").example,
                 **{"Idempotency-Key": "retry-after-fix"})
    assert good.status_code == 201


ADVERSARIAL = [
    "甲<乙>&丙 \"引号\" '单引号'",
    "{{ 7*7 }} {% for x in range(3) %}循环{% endfor %} {# 注释 #} {_{ x }_}",
    "第一行\n第二行",
    "生僻字：䶮 𠮷 𪚥 龘",
    "]]><w:p>注入</w:p><!--",
]


def test_adversarial_text_appears_verbatim_and_is_never_evaluated(client: httpx.Client,
                                                                  catalogue: Catalogue) -> None:
    data = copy.deepcopy(catalogue.get("penalty-decision").example)
    pointer = free_text_pointer(catalogue, "penalty-decision")
    set_at(data, pointer, "\n".join(ADVERSARIAL))
    response = issue(client, "penalty-decision", data)
    assert response.status_code == 201, response.text
    text = pdftools.text(client.get(response.json()["links"]["pdf"]).content)
    for line in "\n".join(ADVERSARIAL).splitlines():
        assert pdftools.contains(text, line), line
    stored = client.get(response.json()["links"]["self"]).json()["data"]
    assert stored == data


def test_concurrent_requests_get_unique_gap_free_numbers(api: httpx.Client, api_server,
                                                        catalogue: Catalogue) -> None:
    example = catalogue.get("major-decision-review").example
    with ThreadPoolExecutor(max_workers=6) as executor:
        responses = list(executor.map(lambda _: issue(api, "major-decision-review", example), range(12)))
    assert all(r.status_code == 201 for r in responses), [r.text for r in responses]
    numbers = [row[0] for row in api_server.rows(
        "SELECT doc_number FROM documents WHERE template_id = 'major-decision-review'")]
    assert len(numbers) == len(set(numbers))
    sequence = sorted(int(n.split("〕")[1].rstrip("号")) for n in numbers)
    assert sequence == list(range(1, len(sequence) + 1))


@pytest.mark.libreoffice  # its own server, with one LibreOffice process and no waiting room
def test_a_full_converter_queue_answers_503_with_retry_after(tmp_path, catalogue: Catalogue) -> None:
    """One converter, no waiting room: concurrent requests beyond it are turned away, not hung."""
    from serving import Server

    busy = Server(tmp_path / "data", DOCGEN_CONVERTERS="1", DOCGEN_QUEUE_LIMIT="0")
    try:
        example = catalogue.get("penalty-decision").example
        with busy.client() as http, ThreadPoolExecutor(max_workers=4) as executor:
            responses = list(executor.map(lambda _: issue(http, "penalty-decision", example), range(8)))
        refused = [r for r in responses if r.status_code == 503]
        assert refused and any(r.status_code == 201 for r in responses)
        assert all(r.headers["retry-after"].isdigit() for r in refused)
        assert all(r.json()["type"].endswith("converter-busy") for r in refused)
        assert document_count(busy) == len(responses) - len(refused)
    finally:
        busy.stop()


def test_a_note_prints_the_case_photo_from_the_blob_store_and_refuses_what_is_not_the_cases(
        api: httpx.Client) -> None:
    """音像记录说明 through the one pipeline on every converter: the issued DOCX holds the uploaded PNG's very
    bytes (placed from the blob store), the payload pins its sha256; another case's 音像记录, or a photo
    that is no stored 音像记录, is 422 at its pointer."""
    import hashlib
    import io
    import zipfile

    from test_case_media import META, png_bytes
    from test_cases import case_data, unique_party

    picture = png_bytes(64, 48)
    cases = [api.post("/v1/cases", json=case_data(party=unique_party(f"株洲市照片{n}号商行"))).json() for n in (1, 2)]
    ids = []
    for case in cases:
        stored = api.post(f"/v1/cases/{case['id']}/media", data=META, files={"file": ("p.png", picture)})
        assert stored.status_code == 201, stored.text
        ids.append(stored.json()["id"])
    foreign = api.post("/v1/documents", json={"template": "av-record-note", "case_id": cases[0]["id"],
                                               "data": {"date": "2026-03-03", "media": [{"media_id": ids[1]}]}})
    assert foreign.status_code == 422 and [e["pointer"] for e in foreign.json()["errors"]] == ["/data/media/0/media_id"]
    example = copy.deepcopy(catalogue_example("av-record-note", api))
    example["media"][0].update(kind="photo", media_type="image/png", sha256=hashlib.sha256(b"x").hexdigest())
    del example["media"][0]["transcript"]
    unstored = issue(api, "av-record-note", example)
    assert unstored.status_code == 422 and [e["pointer"] for e in unstored.json()["errors"]] == ["/data/media/0/sha256"]
    issued = api.post("/v1/documents", json={"template": "av-record-note", "case_id": cases[0]["id"],
                                              "data": {"date": "2026-03-03"}})  # no media: all the case's
    assert issued.status_code == 201, issued.text
    record = api.get(f"/v1/documents/{issued.json()['id']}").json()
    assert [m["sha256"] for m in record["data"]["media"]] == [hashlib.sha256(picture).hexdigest()]
    assert record["data"]["media"][0]["purpose"] == META["purpose"]  # from the stored row
    docx = zipfile.ZipFile(io.BytesIO(api.get(f"/v1/documents/{issued.json()['id']}/docx").content))
    assert [docx.read(n) for n in docx.namelist() if n.startswith("word/media/")] == [picture]


def catalogue_example(template: str, client: httpx.Client) -> Any:
    version = client.get(f"/v1/templates/{template}").json()["versions"][-1]
    return client.get(version["links"]["example"]).json()
