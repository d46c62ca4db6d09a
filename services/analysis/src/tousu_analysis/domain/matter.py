"""What a complaint is about: normalised product type, contract key, text signature (the cause: `cause.py`)."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from datasketch import MinHash

from tousu_analysis.domain.rules import Rules, TemplateRules

_DIGITS = re.compile(r"\d+")
_NOISE = re.compile(r"[\s\W_]+", re.UNICODE)


@dataclass(frozen=True)
class TextSignature:
    """MinHash of a text's character shingles and its LSH band keys (`b03:9f2c…`)."""

    hashvalues: tuple[int, ...]
    band_keys: tuple[str, ...]


def product_type(*, declared: str | None, text: str, rules: Rules) -> str | None:
    """The canonical product type: the declared type's alias, else the first alias in the text."""
    aliases = rules.product_aliases
    if declared:
        key = rules.text.normalise_term(declared)
        for alias, canonical in aliases:
            if alias in key:
                return canonical
        return declared.strip()
    for alias, canonical in aliases:
        if alias in text:
            return canonical
    return None


def contract_key(masked: str | None) -> str | None:
    """A short digest of the masked policy/account number, or None when there is none."""
    if not masked or not masked.strip():
        return None
    return hashlib.sha256(masked.strip().encode("utf-8")).hexdigest()[:16]


def shingles(*, text: str, size: int) -> list[str]:
    """Character shingles of the text with digits collapsed and punctuation/space removed."""
    compact = _NOISE.sub("", _DIGITS.sub("0", text))
    if len(compact) <= size:
        return [compact] if compact else []
    return sorted({compact[i : i + size] for i in range(len(compact) - size + 1)})


def signature(*, text: str, rules: TemplateRules) -> TextSignature:
    """MinHash over the normalised text's shingles, split into LSH band keys."""
    minhash = MinHash(num_perm=rules.num_perm, seed=rules.seed)
    minhash.update_batch([s.encode("utf-8") for s in shingles(text=text, size=rules.shingle)])
    values = tuple(int(v) for v in minhash.hashvalues)
    return TextSignature(hashvalues=values, band_keys=band_keys(values, bands=rules.bands))


def band_keys(hashvalues: Sequence[int], *, bands: int) -> tuple[str, ...]:
    """LSH band keys: band index plus a digest of that band's rows."""
    rows = len(hashvalues) // bands
    keys = []
    for band in range(bands):
        chunk = np.asarray(hashvalues[band * rows : (band + 1) * rows], dtype=np.uint64)
        digest = hashlib.blake2b(chunk.tobytes(), digest_size=8).hexdigest()
        keys.append(f"b{band:02d}:{digest}")
    return tuple(keys)


def jaccard(a: Sequence[int], b: Sequence[int]) -> float:
    """MinHash estimate of the Jaccard similarity of two full signatures."""
    if not a or len(a) != len(b):
        return 0.0
    return sum(1 for x, y in zip(a, b, strict=True) if x == y) / len(a)


def jaccard_from_bands(a: Sequence[str], b: Sequence[str], *, rows: int) -> float:
    """Coarse Jaccard estimate from shared band keys (P[band match] = J ** rows)."""
    if not a or not b:
        return 0.0
    shared = len(set(a) & set(b)) / max(len(a), len(b))
    return float(shared ** (1.0 / rows)) if shared else 0.0
