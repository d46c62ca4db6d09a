"""The stored shape of an analysed complaint, and its conversions to and from domain objects.

One document per complaint (`_id` = complaint id) is at once the customer's history item, the
template-index entry (band keys, MinHash, phone key, matter key) and the outbox of its event.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from bson import Binary

from tousu_analysis.domain.history import HistoryItem
from tousu_analysis.domain.updates import HistoryFact, fold_facts
from tousu_analysis.domain.working_set import Neighbour, NewAnalysis, StoredComplaint
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
ROW_PROJECTION = {"customer_key": 1, "received_at": 1, "item": 1, "band_keys": 1, "facts": 1, "applied": 1}
CANDIDATE_PROJECTION = {"customer_key": 1, "received_at": 1, "band_keys": 1, "minhash": 1}
PHONE_PROJECTION = {"customer_key": 1, "received_at": 1, "phone_key": 1}
MATTER_PROJECTION = {"customer_key": 1, "received_at": 1, "matter_key": 1}


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


def analysis_document(*, record: NewAnalysis) -> Document:
    """Every field of a newly analysed complaint except its facts and outbox."""
    analysis, item, minhash = record.analysis, record.item, record.minhash
    phone_key, matter_key, source_event_id = record.phone_key, record.matter_key, record.source_event_id
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


def row_of(doc: Document) -> StoredComplaint:
    """A stored complaint as the batch sees it: its history item (None for a stub), facts and applied event ids."""
    item = None
    if "item" in doc:
        item = HistoryItem(
            complaint_id=str(doc["_id"]),
            received_at=doc["received_at"],
            signature=list(doc.get("band_keys", [])),
            **doc["item"],
        )
    return StoredComplaint(
        complaint_id=str(doc["_id"]),
        customer_key=doc["customer_key"],
        received_at=doc.get("received_at"),
        item=item,
        facts=[HistoryFact.model_validate(f) for f in doc.get("facts", [])],
        applied=set(doc.get("applied", [])),
    )


def neighbour_of(doc: Document) -> Neighbour:
    """A stored complaint as the cross-customer look-ups see it (whatever the read fetched)."""
    packed = unpack_minhash(doc.get("minhash"))
    return Neighbour(
        complaint_id=str(doc["_id"]),
        customer_key=doc["customer_key"],
        received_at=doc["received_at"],
        band_keys=tuple(doc.get("band_keys", ())),
        minhash=tuple(packed) if packed else None,
        phone_key=doc.get("phone_key"),
        matter_key=doc.get("matter_key"),
    )


def fact_document(fact: HistoryFact) -> Document:
    """A fact as stored in the complaint's `facts` array."""
    return fact.model_dump(exclude_none=True)
