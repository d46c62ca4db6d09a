"""Intake under fuzzing and hostile input never answers 5xx, and every endpoint of every service demands a key
(401 without, 403 with the wrong scope)."""

from __future__ import annotations

import asyncio
import json
import re
from collections import Counter
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from tests.faults.conftest import Pipeline, complaints, create_key, own_database
from tousu_tools.endpoints import Backends

pytestmark = pytest.mark.faults

PUBLIC = {"/healthz", "/readyz", "/metrics"}
CASES_PER_OPERATION = 70  # x operations x {with key, without} ≥ 1,000 cases (asserted below)
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture(scope="module")
def live(servers: Backends, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pipeline]:
    """All four services as processes, own database and topics, for the whole module."""
    data_dir = tmp_path_factory.mktemp("hostile")
    with own_database(servers, data_dir) as backends:
        pipe = Pipeline(backends, data_dir)
        try:
            pipe.start()
            yield pipe
        finally:
            pipe.stop()


def operations(url: str) -> list[tuple[str, str]]:
    """(method, path) of every operation in a service's OpenAPI, public probes excluded."""
    spec = httpx.get(f"{url}/openapi.json", timeout=10).json()
    found = [
        (method.upper(), path)
        for path, item in spec["paths"].items()
        for method in item
        if method in {"get", "post", "put", "patch", "delete"} and path not in PUBLIC
    ]
    return found  # analysis and escalation serve only the public probes


def concrete(path: str) -> str:
    """Fill every path parameter with a plausible value."""
    return re.sub(r"\{[^}]+\}", "TS-20261122-01JD8XXXXXXXXXXXXXXXXXXXXX", path)


# ---------------------------------------------------------------- security: 401 / 403 on every endpoint


def test_every_endpoint_of_every_service_demands_a_key_with_the_right_scope(live: Pipeline) -> None:
    # A key that authenticates but holds no scope at all: every protected endpoint must answer 403.
    scopeless = asyncio.run(create_key(live.mongo(), scopes=set()))
    # Real scopes, just not the one the endpoint needs: readers may not write or act, writers may not read.
    reader = asyncio.run(create_key(live.mongo(), scopes={"complaints:read"}, channels={"all"}))
    writer = asyncio.run(create_key(live.mongo(), scopes={"complaints:write", "complaints:act"}, channels={"all"}))
    checked: Counter[str] = Counter()
    failures = []
    for svc in live.procs:
        for method, path in operations(svc.url):
            url = f"{svc.url}{concrete(path)}"
            for label, headers, want in (
                ("no key", {}, 401),
                ("unknown key", {"Authorization": "Bearer tsk_not_a_real_key_000000000000000000"}, 401),
                ("wrong scheme", {"Authorization": f"Basic {live.api_key}"}, 401),
                ("no scope", {"Authorization": f"Bearer {scopeless}"}, 403),
                ("wrong scope", {"Authorization": f"Bearer {writer if method == 'GET' else reader}"}, 403),
            ):
                response = httpx.request(method, url, headers=headers, json={}, timeout=10)
                checked[svc.name] += 1
                problem = response.headers.get("content-type", "").startswith("application/problem+json")
                if response.status_code != want or not problem:
                    failures.append(f"{svc.name} {method} {path} {label}: {response.status_code} {response.text[:120]}")
                if want == 401 and "bearer" not in response.headers.get("www-authenticate", "").lower():
                    failures.append(f"{svc.name} {method} {path} {label}: 401 without WWW-Authenticate: Bearer")
        for path in PUBLIC:  # public by design, and they say nothing about complaints
            assert httpx.get(f"{svc.url}{path}", timeout=10).status_code == 200, (svc.name, path)
    assert not failures, "\n".join(failures)
    assert {"intake", "followup"} <= set(checked), checked  # the services with an API beyond the probes
    print(f"auth checks per service: {dict(checked)}")


# ---------------------------------------------------------------- fuzzing with schemathesis


def test_schemathesis_finds_no_5xx_and_no_schema_violation(live: Pipeline) -> None:
    schema = schemathesis.openapi.from_url(f"{live.intake}/openapi.json")
    ops = [result.ok() for result in schema.get_all_operations()]
    ops = [op for op in ops if op.path not in PUBLIC]
    assert len(ops) * CASES_PER_OPERATION * 2 >= 1000, f"only {len(ops)} operations: raise CASES_PER_OPERATION"
    session = requests.Session()
    ran: Counter[str] = Counter()
    statuses: Counter[int] = Counter()
    for auth in ("valid key", "no key"):
        headers = {"Authorization": f"Bearer {live.api_key}"} if auth == "valid key" else {}
        for op in ops:
            fuzz(op, live.intake, session, headers, auth, ran, statuses)()
    print(f"schemathesis cases: {dict(ran)}; statuses: {dict(sorted(statuses.items()))}")
    assert sum(ran.values()) >= 1000, ran
    assert not [s for s in statuses if s >= 500]


def fuzz(
    op: Any,
    base_url: str,
    session: requests.Session,
    headers: dict[str, str],
    auth: str,
    ran: Counter[str],
    statuses: Counter[int],
) -> Any:
    """A hypothesis test of one operation: call it, then run schemathesis' response checks."""

    @settings(
        max_examples=CASES_PER_OPERATION,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=op.as_strategy())
    def run(case: schemathesis.Case) -> None:
        if auth == "no key":
            case.headers = {k: v for k, v in (case.headers or {}).items() if k.lower() != "authorization"}
        response = case.call(base_url=base_url, session=session, headers=headers, timeout=30)
        ran[auth] += 1
        statuses[response.status_code] += 1
        case.validate_response(response, checks=CHECKS, headers=headers)
        if auth == "no key":
            assert response.status_code == 401, (case.method, case.path, response.status_code)

    return run


# ---------------------------------------------------------------- hand-written hostile inputs


def hostile_bodies() -> dict[str, tuple[bytes, str]]:
    """name → (raw body, content-type)."""
    base = complaints(1, "hostile")[0]

    def with_content(text: str) -> bytes:
        return json.dumps(base | {"content": text, "channel_ref": f"H-{abs(hash(text)) % 10**9}"}).encode()

    deep = '{"a": ' * 5_000 + '"x"' + "}" * 5_000
    wide = "[" * 100_000 + "]" * 100_000
    return {
        "20k Chinese characters": (with_content("投诉理赔被拒" * 3_333 + "！！"), "application/json"),
        "20,001 characters": (with_content("款" * 20_001), "application/json"),
        "emoji and astral planes": (with_content("😡🔥💸🏦 理赔😤" * 200 + "\U0001f9e7\U00010348"), "application/json"),
        "control characters": (
            with_content("正文\x00\x01\x07\x1b[31m\u202e\ufeff\u200b\r\n\t结束"),
            "application/json",
        ),
        "lone surrogates": (with_content("bad \ud800 half").replace(b"\\ud800", b"\\ud800"), "application/json"),
        "invalid UTF-8 bytes": (
            b'{"channel": "hotline", "content": "\xff\xfe\xc3\x28 \xed\xa0\x80"}',
            "application/json",
        ),
        "latin-1 declared": ('{"content": "ä"}'.encode("latin-1"), "application/json; charset=latin-1"),
        "deeply nested JSON": (json.dumps(base | {"customer": "@"}).replace('"@"', deep).encode(), "application/json"),
        "nesting bomb": (wide.encode(), "application/json"),
        "10 MB body": (json.dumps(base | {"content": "理" * (10 * 1024 * 1024 // 3)}).encode(), "application/json"),
        "not JSON": (b"channel=hotline&content=x", "application/x-www-form-urlencoded"),
        "truncated JSON": (json.dumps(base).encode()[:-7], "application/json"),
        "JSON array": (b"[1, 2, 3]", "application/json"),
        "JSON null": (b"null", "application/json"),
        "huge number": (
            json.dumps(base | {"amount_in_dispute": 10**400}).encode().replace(b"1" + b"0" * 400, b"1e400"),
            "application/json",
        ),
        "empty": (b"", "application/json"),
    }


ACCEPTED = {"20k Chinese characters", "emoji and astral planes", "control characters"}


@pytest.mark.parametrize("name", list(hostile_bodies()))
def test_hostile_complaint_bodies_get_a_clear_4xx_problem(live: Pipeline, name: str) -> None:
    body, content_type = hostile_bodies()[name]
    headers = {"Authorization": f"Bearer {live.api_key}", "Content-Type": content_type}
    response = httpx.post(f"{live.intake}/v1/complaints", content=body, headers=headers, timeout=60)
    if name in ACCEPTED:  # valid JSON within the documented 1..20000 characters: stored, and readable back
        assert response.status_code == 201, response.text
        cid = response.json()["complaint_id"]
        back = httpx.get(f"{live.intake}/v1/complaints/{cid}", headers=headers, timeout=30)
        assert back.status_code == 200, back.text[:300]
        return
    assert 400 <= response.status_code < 500, (response.status_code, response.text[:300])
    assert response.headers["content-type"].startswith("application/problem+json"), response.headers
    problem = response.json()
    assert problem["status"] == response.status_code and problem["title"]
    assert "\x00" not in response.text and "\\ud800" not in response.text  # input is not echoed back


@pytest.mark.parametrize(
    "path", ["/v1/complaints/%00", "/v1/complaints/" + "我" * 5000, "/v1/complaints/..%2f..%2fetc"]
)
def test_hostile_paths_never_5xx(live: Pipeline, path: str) -> None:
    response = httpx.get(f"{live.intake}{path}", headers={"Authorization": f"Bearer {live.api_key}"}, timeout=30)
    assert 400 <= response.status_code < 500, (response.status_code, response.text[:200])


def test_hostile_query_strings_never_5xx(live: Pipeline) -> None:
    headers = {"Authorization": f"Bearer {live.api_key}"}
    for query in (
        "limit=-1",
        "limit=99999999999999999999",
        "cursor=%FF%FE",
        "cursor=" + "A" * 10000,
        "from=not-a-date",
        "status=%00",
        "customer_ref=" + "😡" * 2000,
        "from=9999-12-31T23:59:59Z",
    ):
        response = httpx.get(f"{live.intake}/v1/complaints?{query}", headers=headers, timeout=30)
        assert response.status_code < 500, (query, response.status_code, response.text[:200])
