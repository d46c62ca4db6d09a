"""Encryption of personal data at rest (Fernet, keyed from TOUSU_PII_KEY; rotation by key list)."""

from __future__ import annotations

import base64
import json
from typing import Any

from cryptography.fernet import Fernet, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF


def _fernet(secret: str) -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"tousu-intake", info=b"pii-at-rest").derive(secret.encode())
    return Fernet(base64.urlsafe_b64encode(key))


class PiiCipher:
    """Encrypts a JSON-able value to an opaque token and back; the first key encrypts, all decrypt."""

    def __init__(self, secrets: str) -> None:
        keys = [s.strip() for s in secrets.split(",") if s.strip()]
        if not keys:
            raise ValueError("at least one PII key is required")
        self._fernet = MultiFernet([_fernet(k) for k in keys])

    def encrypt(self, value: Any) -> str:
        """An opaque token of the value."""
        return self._fernet.encrypt(json.dumps(value, ensure_ascii=False).encode()).decode()

    def decrypt(self, token: str) -> Any:
        """The value behind a token."""
        return json.loads(self._fernet.decrypt(token.encode()))
