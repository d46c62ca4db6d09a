"""Fixtures for the pure analysis tests: the default rules (loaded once) and complaint builders."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tousu_analysis.domain import CustomerHistory, Rules, SimilarTemplates, analyze, load_rules
from tousu_shared.events import (
    ComplaintAnalyzed,
    ComplaintReceived,
    MaskedCustomer,
    MaskedRepresentative,
    MediaInfo,
    Product,
    RegulatorInfo,
)

T0 = datetime(2026, 9, 1, 9, 0, tzinfo=UTC)

MakeComplaint = Callable[..., ComplaintReceived]
Analyse = Callable[..., ComplaintAnalyzed]


@pytest.fixture(scope="session")
def rules() -> Rules:
    """The packaged default rules."""
    return load_rules()


def build_complaint(content: str, **overrides: Any) -> ComplaintReceived:
    """A `complaint.received` payload with sensible defaults; keyword overrides win."""
    received_at = overrides.pop("received_at", T0)
    fields: dict[str, Any] = {
        "complaint_id": "C-1",
        "customer_key": "cust-a",
        "channel": "hotline",
        "channel_ref": "ref-1",
        "received_at": received_at,
        "due_at": received_at + timedelta(days=15),
        "customer": MaskedCustomer(age_band="18-44"),
        "product": Product(line="banking", type="信用卡"),
        "content": content,
    }
    if "age_band" in overrides:
        fields["customer"] = MaskedCustomer(age_band=overrides.pop("age_band"))
    if "representative" in overrides and isinstance(overrides["representative"], str):
        fields["representative"] = MaskedRepresentative(kind=overrides.pop("representative"))
    if overrides.pop("regulator", False):
        fields["regulator"] = RegulatorInfo(ref="12378-X-1")
    if overrides.pop("media", False):
        fields["media"] = MediaInfo(platform="微博")
    fields.update(overrides)
    return ComplaintReceived(**fields)


@pytest.fixture
def make() -> MakeComplaint:
    """Builder of complaints."""
    return build_complaint


@pytest.fixture
def run(rules: Rules) -> Analyse:
    """Analyse one complaint with (by default) no history and no similar complaints."""

    def _run(
        complaint: ComplaintReceived,
        *,
        history: CustomerHistory | None = None,
        similar: SimilarTemplates | None = None,
    ) -> ComplaintAnalyzed:
        return analyze(
            complaint=complaint,
            history=history or CustomerHistory(customer_key=complaint.customer_key),
            similar=similar or SimilarTemplates(),
            rules=rules,
            now=complaint.received_at,
            analyzer_version="test",
        )

    return _run


def signal_names(analysis: ComplaintAnalyzed) -> set[str]:
    """Names of the signals that fired."""
    return {s.name for s in analysis.signals}


@pytest.fixture
def fired(make: MakeComplaint, run: Analyse) -> Callable[..., set[str]]:
    """Signal names fired by a text (keyword overrides go to the complaint)."""

    def _fired(content: str, **overrides: Any) -> set[str]:
        return signal_names(run(make(content, **overrides)))

    return _fired
