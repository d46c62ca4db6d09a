"""From a validated request to the stored complaint document and its `complaint.received` event."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from tousu_intake.domain import masking
from tousu_intake.domain.keys import phone_key
from tousu_intake.schemas import ComplaintCreate, CustomerIn, RepresentativeIn
from tousu_shared.events import (
    ComplaintReceived,
    MaskedCustomer,
    MaskedRepresentative,
    MediaInfo,
    Product,
    RegulatorInfo,
)

SOURCE = "tousu/intake"


def request_hash(body: ComplaintCreate) -> str:
    """A digest of the request as sent (defaults excluded), to tell a repeat from a different body."""
    canonical = json.dumps(body.model_dump(mode="json", exclude_unset=True), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def names_in(body: ComplaintCreate) -> tuple[str, ...]:
    """The personal names a request carries (masked wherever they appear in its text)."""
    rep = body.representative.name if body.representative else None
    return tuple(n for n in (body.customer.name, rep) if n)


def _masked_customer(customer: CustomerIn) -> MaskedCustomer:
    return MaskedCustomer(
        name_masked=masking.mask_name(customer.name) if customer.name else None,
        phone_masked=masking.mask_phone(customer.phone) if customer.phone else None,
        id_number_masked=masking.mask_id_number(customer.id_number) if customer.id_number else None,
        age_band=masking.age_band(customer.age),
        vulnerable=masking.is_vulnerable(age=customer.age, flagged=customer.vulnerable),
    )


def _masked_representative(rep: RepresentativeIn | None, *, secret: str) -> MaskedRepresentative | None:
    if rep is None:
        return None
    return MaskedRepresentative(
        kind=rep.kind,
        name_masked=masking.mask_name(rep.name) if rep.name else None,
        phone_masked=masking.mask_phone(rep.phone) if rep.phone else None,
        phone_key=phone_key(phone=rep.phone, secret=secret) if rep.phone else None,
    )


def received_event(
    body: ComplaintCreate,
    *,
    complaint_id: str,
    customer_key: str,
    received_at: datetime,
    due_at: datetime,
    secret: str,
) -> ComplaintReceived:
    """The event other services see: masked customer, masked text, no personal data in clear."""
    names = names_in(body)
    product = body.product
    return ComplaintReceived(
        complaint_id=complaint_id,
        customer_key=customer_key,
        channel=body.channel,
        channel_ref=body.channel_ref,
        received_at=received_at,
        due_at=due_at,
        customer=_masked_customer(body.customer),
        product=Product(
            line=product.line,
            type=product.type,
            policy_or_account_masked=(
                masking.mask_account(product.policy_or_account) if product.policy_or_account else None
            ),
        ),
        category=body.category,
        content=masking.mask_text(body.content, names=names),
        demands=masking.mask_text(body.demands, names=names) if body.demands else None,
        amount_in_dispute=body.amount_in_dispute,
        representative=_masked_representative(body.representative, secret=secret),
        regulator=RegulatorInfo(**body.regulator.model_dump()) if body.regulator else None,
        media=MediaInfo(**body.media.model_dump()) if body.media else None,
        complainant_count=body.complainant_count,
    )


def personal_data(body: ComplaintCreate) -> dict[str, Any]:
    """Everything personal in the request, for encryption at rest."""
    rep = body.representative
    return {
        "customer": body.customer.model_dump(include={"ref", "name", "id_number", "phone", "age"}),
        "representative": rep.model_dump(include={"name", "phone"}) if rep else None,
        "policy_or_account": body.product.policy_or_account,
        "content": body.content,
        "demands": body.demands,
    }
