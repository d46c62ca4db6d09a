"""Complaint ids: `TS-YYYYMMDD-<ULID>`, sortable by creation time, unique without coordination."""

from __future__ import annotations

from datetime import datetime

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def ulid(*, now: datetime, entropy: bytes) -> str:
    """A ULID: 48-bit millisecond time then 80 bits of entropy, Crockford base32."""
    if len(entropy) != 10:
        raise ValueError("a ULID needs 10 bytes of entropy")
    value = (int(now.timestamp() * 1000) << 80) | int.from_bytes(entropy, "big")
    return "".join(_CROCKFORD[(value >> shift) & 31] for shift in range(125, -1, -5))


def complaint_id(*, now: datetime, entropy: bytes) -> str:
    """The complaint id assigned at intake."""
    return f"TS-{now:%Y%m%d}-{ulid(now=now, entropy=entropy)}"
