"""Cross-customer look-ups: near-identical texts (agent templates), shared agent phones, same-matter waves."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from pydantic import BaseModel, ConfigDict, Field

from tousu_analysis.domain.matter import TextSignature, jaccard, jaccard_from_bands
from tousu_analysis.domain.rules import TemplateRules


class SimilarTemplates(BaseModel):
    """What other customers' complaints say about this one (computed before `analyze`)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    near_identical_customers: int = Field(default=0, ge=0, description="Other customers, Jaccard ≥ threshold.")
    best_similarity: float = Field(default=0.0, ge=0.0, le=1.0, description="Highest estimate found.")
    similar_complaint_ids: list[str] = Field(default_factory=list, description="Near-identical complaints.")
    shared_phone_customers: int = Field(default=0, ge=0, description="Other customers with this agent phone.")
    matter_customers_7d: int = Field(default=0, ge=0, description="Other customers, same matter, 7 days.")


class TemplateCandidate(BaseModel):
    """A stored complaint that shares at least one band key (fetched by an indexed query)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    complaint_id: str
    customer_key: str
    received_at: datetime
    band_keys: list[str] = Field(default_factory=list)
    hashvalues: list[int] | None = None


def estimate(*, signature: TextSignature, candidate: TemplateCandidate, rules: TemplateRules) -> float:
    """Jaccard estimate: from the full MinHash when stored, else from the shared band keys."""
    if candidate.hashvalues:
        return jaccard(signature.hashvalues, candidate.hashvalues)
    rows = rules.num_perm // rules.bands
    return jaccard_from_bands(signature.band_keys, candidate.band_keys, rows=rows)


def similar_templates(
    *,
    signature: TextSignature,
    candidates: list[TemplateCandidate],
    customer_key: str,
    now: datetime,
    rules: TemplateRules,
    shared_phone_customers: int = 0,
    matter_customers_7d: int = 0,
) -> SimilarTemplates:
    """Count OTHER customers whose recent text is near-identical to this one."""
    since = now - timedelta(days=rules.window_days)
    customers: set[str] = set()
    ids: list[str] = []
    best = 0.0
    for candidate in candidates:
        if candidate.customer_key == customer_key or not since <= candidate.received_at <= now:
            continue
        score = estimate(signature=signature, candidate=candidate, rules=rules)
        best = max(best, score)
        if score >= rules.threshold:
            customers.add(candidate.customer_key)
            ids.append(candidate.complaint_id)
    return SimilarTemplates(
        near_identical_customers=len(customers),
        best_similarity=round(best, 4),
        similar_complaint_ids=sorted(ids)[:10],
        shared_phone_customers=shared_phone_customers,
        matter_customers_7d=matter_customers_7d,
    )


@dataclass
class InMemoryTemplateIndex:
    """The same look-ups as the MongoDB adapter, in memory (for evaluate and tests)."""

    rules: TemplateRules
    _by_band: dict[str, list[TemplateCandidate]] = field(default_factory=lambda: defaultdict(list))
    _phones: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    _matters: dict[str, list[tuple[datetime, str]]] = field(default_factory=lambda: defaultdict(list))

    def add(
        self,
        *,
        complaint_id: str,
        customer_key: str,
        received_at: datetime,
        signature: TextSignature,
        phone_key: str | None = None,
        matter_key: str | None = None,
    ) -> None:
        """Store one analysed complaint."""
        candidate = TemplateCandidate(
            complaint_id=complaint_id,
            customer_key=customer_key,
            received_at=received_at,
            band_keys=list(signature.band_keys),
            hashvalues=list(signature.hashvalues),
        )
        for key in signature.band_keys:
            self._by_band[key].append(candidate)
        if phone_key:
            self._phones[phone_key].add(customer_key)
        if matter_key:
            self._matters[matter_key].append((received_at, customer_key))

    def candidates(self, band_keys: tuple[str, ...]) -> list[TemplateCandidate]:
        """Stored complaints sharing at least one band key (what the Mongo query returns)."""
        seen: dict[str, TemplateCandidate] = {}
        for key in band_keys:
            for candidate in self._by_band.get(key, []):
                seen[candidate.complaint_id] = candidate
        return list(seen.values())

    def lookup(
        self,
        *,
        customer_key: str,
        signature: TextSignature,
        now: datetime,
        phone_key: str | None = None,
        matter_key: str | None = None,
    ) -> SimilarTemplates:
        """Near-identical texts, shared agent phone and same-matter customers for one complaint."""
        return similar_templates(
            signature=signature,
            candidates=self.candidates(signature.band_keys),
            customer_key=customer_key,
            now=now,
            rules=self.rules,
            shared_phone_customers=len(self._phones.get(phone_key or "", set()) - {customer_key}),
            matter_customers_7d=self.matter_customers(matter_key=matter_key, customer_key=customer_key, now=now),
        )

    def matter_customers(self, *, matter_key: str | None, customer_key: str, now: datetime) -> int:
        """Other customers with the same matter within the last 7 days."""
        if not matter_key:
            return 0
        since = now - timedelta(days=7)
        return len({c for t, c in self._matters.get(matter_key, []) if since <= t <= now} - {customer_key})
