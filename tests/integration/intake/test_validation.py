"""Bad input never reaches the domain: each case answers problem+json naming the field and the reason."""

from __future__ import annotations

import copy
import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.integration.intake.bodies import complaint
from tests.integration.intake.conftest import RunningIntake

pytestmark = pytest.mark.integration
Body = dict[str, Any]
PROBLEM = "application/problem+json"


def _set(path: str, value: Any) -> Callable[[Body], None]:
    def mutate(body: Body) -> None:
        *parents, last = path.split(".")
        target = body
        for p in parents:
            target = target[p]
        target[last] = value

    return mutate


def _drop(path: str) -> Callable[[Body], None]:
    def mutate(body: Body) -> None:
        *parents, last = path.split(".")
        target = body
        for p in parents:
            target = target[p]
        del target[last]

    return mutate


def _future(minutes: int) -> str:
    return (datetime.now(UTC) + timedelta(minutes=minutes)).isoformat()


CASES = {
    "unknown top-level field": (_set("priority", "high"), "priority", "unknown field"),
    "unknown nested field": (_set("customer.email", "a@b.c"), "customer.email", "unknown field"),
    "missing channel": (_drop("channel"), "channel", "required"),
    "missing customer.ref": (_drop("customer.ref"), "customer.ref", "required"),
    "missing content": (_drop("content"), "content", "required"),
    "empty content": (_set("content", ""), "content", "at least 1"),
    "whitespace content": (_set("content", "   "), "content", "at least 1"),
    "content over 20000 chars": (_set("content", "投" * 20001), "content", "at most 20000"),
    "unknown channel": (_set("channel", "fax"), "channel", "hotline"),
    "unknown product line": (_set("product.line", "crypto"), "product.line", "insurance"),
    "unknown representative kind": (_set("representative.kind", "friend"), "representative.kind", "lawyer"),
    "bad phone": (_set("customer.phone", "call me"), "customer.phone", "pattern"),
    "bad id number": (_set("customer.id_number", "110-101"), "customer.id_number", "pattern"),
    "negative age": (_set("customer.age", -1), "customer.age", "greater than or equal"),
    "zero complainants": (_set("complainant_count", 0), "complainant_count", "greater than or equal to 1"),
    "negative amount": (_set("amount_in_dispute", -5), "amount_in_dispute", "greater than or equal"),
    "content not a string": (_set("content", 42), "content", "string"),
    "date without time": (_set("received_at", "2026-11-20"), "received_at", "RFC 3339"),
    "time without offset": (_set("received_at", "2026-11-20T10:00:00"), "received_at", "RFC 3339"),
    "epoch number as time": (_set("received_at", 1790000000), "received_at", "RFC 3339"),
    "received in the future": (_set("received_at", _future(60)), "received_at", "future"),
    "received centuries ago": (_set("received_at", "1611-05-04T08:00:00+08:00"), "received_at", "days in the past"),
    "received 367 days ago": (_set("received_at", _future(-367 * 24 * 60)), "received_at", "366 days in the past"),
    "forwarded in the future": (
        _set("regulator", {"ref": "R1", "forwarded_at": _future(60)}),
        "regulator.forwarded_at",
        "future",
    ),
}


@pytest.mark.parametrize("case", list(CASES))
async def test_an_invalid_complaint_is_rejected_naming_the_field(
    module_intake: RunningIntake, case: str, rng: random.Random
) -> None:
    mutate, field, reason = CASES[case]
    body = copy.deepcopy(complaint(rng))
    mutate(body)
    response = await module_intake.client.post("/v1/complaints", json=body)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == PROBLEM
    problem = response.json()
    assert problem["status"] == 422
    matching = [e for e in problem["errors"] if e["field"] == field]
    assert matching, problem
    assert reason.lower() in matching[0]["reason"].lower()


async def test_small_clock_skew_is_tolerated(module_intake: RunningIntake, rng: random.Random) -> None:
    body = {**complaint(rng), "received_at": _future(2)}
    assert (await module_intake.client.post("/v1/complaints", json=body)).status_code == 201


async def test_every_invalid_field_is_listed(module_intake: RunningIntake, rng: random.Random) -> None:
    body = {**complaint(rng), "channel": "fax", "content": "", "extra": 1}
    response = await module_intake.client.post("/v1/complaints", json=body)
    assert {e["field"] for e in response.json()["errors"]} == {"channel", "content", "extra"}


async def test_a_body_over_256_kib_is_413(module_intake: RunningIntake, rng: random.Random) -> None:
    body = {**complaint(rng), "demands": "x" * (300 * 1024)}
    response = await module_intake.client.post("/v1/complaints", json=body)
    assert response.status_code == 413
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["status"] == 413


async def test_a_streamed_body_over_256_kib_is_413(module_intake: RunningIntake) -> None:
    async def chunks() -> Any:
        yield b'{"content": "'
        for _ in range(300):
            yield b"x" * 1024
        yield b'"}'

    response = await module_intake.client.post(
        "/v1/complaints", content=chunks(), headers={"content-type": "application/json"}
    )
    assert response.status_code == 413
    assert response.json()["title"] == "Request body too large"


@pytest.mark.parametrize("raw", [b'{"channel": "hotline",', b"\xff\xfe", b"not json"])
async def test_malformed_json_is_400_not_500(module_intake: RunningIntake, raw: bytes) -> None:
    response = await module_intake.client.post(
        "/v1/complaints", content=raw, headers={"content-type": "application/json"}
    )
    assert response.status_code in (400, 422)
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["errors"][0]["field"] == "body"


@pytest.mark.parametrize("raw", [b"[]", b'"text"', b"null"])
async def test_a_body_that_is_not_an_object_is_422(module_intake: RunningIntake, raw: bytes) -> None:
    response = await module_intake.client.post(
        "/v1/complaints", content=raw, headers={"content-type": "application/json"}
    )
    assert response.status_code == 422
    assert response.json()["errors"]


async def test_no_submitted_value_is_echoed_in_errors(module_intake: RunningIntake, rng: random.Random) -> None:
    body = complaint(rng)
    body["customer"]["phone"] = "13812345678 ext"
    response = await module_intake.client.post("/v1/complaints", json=body)
    assert response.status_code == 422
    assert "13812345678" not in response.text


async def test_a_bad_cursor_or_filter_is_422(module_intake: RunningIntake) -> None:
    for params, field in (
        ({"cursor": "!!!"}, "cursor"),
        ({"limit": 0}, "limit"),
        ({"from": "yesterday"}, "from"),
        ({"channel": "fax"}, "channel"),
    ):
        response = await module_intake.client.get("/v1/complaints", params=params)
        assert response.status_code == 422, params
        assert response.json()["errors"][0]["field"] == field


async def test_an_unknown_complaint_is_404(module_intake: RunningIntake) -> None:
    response = await module_intake.client.get("/v1/complaints/TS-20260101-NOPE")
    assert response.status_code == 404
    assert response.headers["content-type"] == PROBLEM


async def test_the_openapi_document_has_bilingual_examples_and_documents_errors(module_intake: RunningIntake) -> None:
    spec = (await module_intake.client.get("/openapi.json")).json()
    post = spec["paths"]["/v1/complaints"]["post"]
    examples = post["requestBody"]["content"]["application/json"]["examples"]
    assert any("中文" in name for name in examples) and any("English" in name for name in examples)
    assert {"401", "403", "409", "413", "422", "429"} <= set(post["responses"])
    assert (await module_intake.client.get("/docs")).status_code == 200
