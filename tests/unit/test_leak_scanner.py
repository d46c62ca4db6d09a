"""The whole-run leak scan finds what it is meant to find, and not what it must not (tests/support/leaks.py)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

from tests.support.leaks import known_names, scan_logs, scan_text

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("客户13812345678来电", "mobile"),
        ('"phone": "+86 13912345678"', "mobile"),
        ("身份证11010519491231002X被冒用", "id_number"),
        ("id=110101199003070019;", "id_number"),
        ("本人宣晓辉要求退款", "name"),
    ],
)
def test_personal_data_is_found(text: str, kind: str) -> None:
    assert [f.kind for f in scan_text(text, "here", {"宣晓辉"})] == [kind]


@pytest.mark.parametrize(
    "text",
    [
        "请联系138****5678",  # masked phone
        "customer_key=9f86d081884c7d659a2feaa0c55ad01513812345678a",  # digits inside a hex key
        "TS-20261122-01JD8ABCDEFGHJKMNPQRSTVWXY",  # complaint id
        '"ts": 1732371234567, "offset": 13812345',  # epoch millis, offsets
        "本人宣**要求退款",  # masked name
    ],
)
def test_masked_values_and_identifiers_are_not_findings(text: str) -> None:
    assert scan_text(text, "here", {"宣晓辉"}) == []


def test_the_sample_complainants_names_are_always_looked_for() -> None:
    assert "宣晓辉" in known_names()


def test_every_log_file_under_the_root_is_read() -> None:
    with tempfile.TemporaryDirectory() as tmp:  # outside the run's base temp: the final scan must not see it
        root = Path(tmp)
        (root / "a" / "b").mkdir(parents=True)
        (root / "a" / "b" / "svc.log").write_text(
            '{"event": "ok", "overdue_seconds": 13104902317}\n{"event": "x 13812345678"}\n'
            '{"who": "\\u5ba3\\u6653\\u8f89"}\n',  # a name behind \\u escapes
            encoding="utf-8",
        )
        (root / "notes.txt").write_text("13812345678", encoding="utf-8")
        lines, found = scan_logs(root, {"宣晓辉"})
    assert lines == 3
    assert [(f.where, f.kind) for f in found] == [("a/b/svc.log:2", "mobile"), ("a/b/svc.log:3", "name")]
