"""The stored shape of an analysed complaint, and its conversions to and from domain objects.

One document per complaint (`_id` = complaint id) is at once the customer's history item, the
template-index entry (band keys, MinHash, phone key, matter key) and the outbox of its event.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from bson import Binary

from tousu_analysis.domain.history import HistoryItem
from tousu_analysis.domain.templates import TemplateCandidate
from tousu_analysis.domain.updates import HistoryFact, fold_facts
from tousu_shared.events import ComplaintAnalyzed
from tousu_shared.mongo import Document

# Fields kept outside `item` (they are indexed top-level) or derived from `facts` on read.
_ITEM_EXCLUDE = {
    "complaint_id",
    "received_at",
    "signature",
    "unsatisfied_followups",
    "reopens",
    "decisions_not_accepted",
    "remediated",
}
HISTORY_PROJECTION = {"item": 1, "band_keys": 1, "received_at": 1, "facts": 1}
CANDIDATE_PROJECTION = {"customer_key": 1, "received_at": 1, "band_keys": 1, "minhash": 1}


def pack_minhash(values: Sequence[int]) -> Binary:
    """MinHash values as 4-byte little-endian words (datasketch masks them to 32 bits)."""
    array = np.asarray(values, dtype=np.uint64)
    if array.size and int(array.max()) > 0xFFFFFFFF:
        raise ValueError("MinHash values wider than 32 bits cannot be packed")
    return Binary(array.astype("<u4").tobytes())


def unpack_minhash(packed: bytes | None) -> list[int] | None:
    """The MinHash values back as ints (None when the document has none)."""
    if not packed:
        return None
    return [int(v) for v in np.frombuffer(bytes(packed), dtype="<u4")]


def analysis_document(
    *,
    analysis: ComplaintAnalyzed,
    item: HistoryItem,
    minhash: Sequence[int],
    phone_key: str | None,
    matter_key: str,
    source_event_id: str,
) -> Document:
    """Every field of a newly analysed complaint except its outbox."""
    doc: Document = {
        "customer_key": analysis.customer_key,
        "received_at": analysis.received_at,
        "matter_key": matter_key,
        "band_keys": list(analysis.matter.signature),
        "minhash": pack_minhash(minhash),
        "item": item.model_dump(exclude=_ITEM_EXCLUDE),
        "analysis": analysis.model_dump(mode="json"),
        "source_event_id": source_event_id,
        "rules_version": analysis.rules_version,
        "analyzed_at": analysis.analyzed_at,
    }
    if phone_key:
        doc["phone_key"] = phone_key
    return doc


def history_item_of(doc: Document) -> HistoryItem:
    """The history item of a stored complaint, with its later facts applied."""
    item = HistoryItem(
        complaint_id=str(doc["_id"]),
        received_at=doc["received_at"],
        signature=list(doc.get("band_keys", [])),
        **doc["item"],
    )
    return fold_facts(item, [HistoryFact.model_validate(f) for f in doc.get("facts", [])])


def fact_document(fact: HistoryFact) -> Document:
    """A fact as stored in the complaint's `facts` array."""
    return fact.model_dump(exclude_none=True)


def candidate_of(doc: Document) -> TemplateCandidate:
    """A template candidate from a band-key match."""
    return TemplateCandidate(
        complaint_id=str(doc["_id"]),
        customer_key=doc["customer_key"],
        received_at=doc["received_at"],
        band_keys=list(doc.get("band_keys", [])),
        hashvalues=unpack_minhash(doc.get("minhash")),
    )


def distinct_customers(docs: list[dict[str, Any]]) -> int:
    """How many different customers a list of documents belongs to."""
    return len({d["customer_key"] for d in docs})
