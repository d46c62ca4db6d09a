"""Masking of personal data: names, phones, ID numbers, accounts, and numbers inside free text."""

from __future__ import annotations

import re

MASK = "*"
_ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])(?:\d{17}[\dXx]|\d{15})(?![0-9A-Za-z])")
_CARD = re.compile(r"(?<!\d)\d{16,19}(?!\d)")
_MOBILE = re.compile(r"(?<!\d)(?:\+?86[- ]?)?1[3-9]\d(?:[- ]?\d{4}){2}(?!\d)")
_LANDLINE = re.compile(r"(?<!\d)0\d{2,3}-?\d{7,8}(?!\d)")
_AGE_BANDS = ((18, "under-18"), (30, "18-29"), (45, "30-44"), (65, "45-64"))


def _keep(value: str, *, head: int, tail: int) -> str:
    if len(value) <= head + tail:
        return MASK * len(value) if len(value) <= 2 else value[0] + MASK * (len(value) - 1)
    return value[:head] + MASK * (len(value) - head - tail) + value[len(value) - tail :]


def mask_name(name: str) -> str:
    """All but the first character masked: 张三丰 → 张**."""
    name = name.strip()
    return name[:1] + "".join(" " if c == " " else MASK for c in name[1:])


def mask_phone(phone: str) -> str:
    """Digits only, first three and last four kept: 13812345678 → 138****5678."""
    digits = re.sub(r"\D", "", phone)
    if digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    return _keep(digits, head=3, tail=4)


def mask_id_number(id_number: str) -> str:
    """First four and last four kept: 110101199003071234 → 1101**********1234."""
    return _keep(id_number.strip(), head=4, tail=4)


def mask_account(account: str) -> str:
    """Only the last four characters kept."""
    return _keep(account.strip(), head=0, tail=4)


def mask_text(text: str, *, names: tuple[str, ...] = ()) -> str:
    """Mask ID numbers, card and phone numbers, and the given names inside free text."""
    text = _ID_NUMBER.sub(lambda m: mask_id_number(m.group()), text)
    text = _CARD.sub(lambda m: mask_account(m.group()), text)
    text = _MOBILE.sub(lambda m: mask_phone(m.group()), text)
    text = _LANDLINE.sub(lambda m: _keep(m.group(), head=4, tail=2), text)
    for name in sorted({n.strip() for n in names if len(n.strip()) >= 2}, key=len, reverse=True):
        text = text.replace(name, mask_name(name))
    return text


def age_band(age: int | None) -> str:
    """Coarse age band for events: under-18, 18-29, 30-44, 45-64, 65+ or unknown."""
    if age is None:
        return "unknown"
    for limit, band in _AGE_BANDS:
        if age < limit:
            return band
    return "65+"


def is_vulnerable(*, age: int | None, flagged: bool) -> bool:
    """Vulnerable consumer: aged 65 or more, or flagged by the channel."""
    return flagged or (age is not None and age >= 65)
