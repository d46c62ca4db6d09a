"""Keyed pseudonyms: the customer key and the representative phone key (HMAC-SHA256)."""

from __future__ import annotations

import hashlib
import hmac
import re


def _hmac(secret: str, message: str) -> str:
    return hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()


def customer_key(*, ref: str, secret: str) -> str:
    """Stable per institution: the same `customer.ref` always gives the same key."""
    return _hmac(secret, ref.strip())


def phone_key(*, phone: str, secret: str) -> str:
    """Equal across customers when the same (representative) phone number is used."""
    digits = re.sub(r"\D", "", phone)
    if digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    return _hmac(secret, f"phone:{digits}")
