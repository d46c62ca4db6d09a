"""Find personal data where it must never be: Kafka records and log lines.

Phones and ID numbers are found by pattern, whoever wrote them. Names cannot be, so every name a test
posts is remembered here (`remember`), and the sample complainants' names are always included.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from aiokafka import AIOKafkaConsumer, TopicPartition

from tousu_tools.demo_plan import load_samples

_B, _E = r"(?<![0-9A-Za-z])", r"(?![0-9A-Za-z])"  # as the log scrubber: digits inside hex keys are not numbers
PATTERNS = {
    "id_number": re.compile(_B + r"[1-9]\d{5}(?:19|20)\d{2}(?:0[1-9]|1[0-2])\d{2}\d{3}[\dXx]" + _E),
    "mobile": re.compile(_B + r"(?:\+?86[- ]?)?1[3-9]\d{9}" + _E),
}
_names: set[str] = set()


def remember(*names: str | None) -> None:
    """Names a test sent to intake: they must not appear in any record or log line."""
    _names.update(n for n in names if n and len(n) >= 2)


def known_names() -> set[str]:
    """Every remembered name and every sample complainant's and representative's name."""
    names = set(_names)
    for sample in load_samples():
        body = sample["body"]
        for who in (body.get("customer") or {}, body.get("representative") or {}):
            if isinstance(who.get("name"), str) and len(who["name"]) >= 2:
                names.add(who["name"])
    return names


@dataclass(frozen=True)
class Finding:
    """Personal data found somewhere, with a shortened excerpt around it."""

    where: str
    kind: str
    excerpt: str


def scan_text(text: str, where: str, names: Iterable[str]) -> list[Finding]:
    """Phones and ID numbers by pattern, names by exact match."""
    found = []
    for kind, pattern in PATTERNS.items():
        found += [Finding(where, kind, _excerpt(text, m.start(), m.end())) for m in pattern.finditer(text)]
    for name in names:
        start = text.find(name)
        if start >= 0:
            found.append(Finding(where, "name", _excerpt(text, start, start + len(name))))
    return found


def _excerpt(text: str, start: int, end: int) -> str:
    return f"…{text[max(0, start - 30) : start]}[{text[start:end]}]{text[end : end + 30]}…".replace("\n", " ")


def _texts(text: str) -> str:
    """The strings inside a JSON text (keys and string values; \\u escapes decoded, so they cannot hide a
    name), one per line; the text itself when it is not JSON.

    Numbers are left out: every personal field is a string in the contract, and an 11-digit count or an
    epoch timestamp is not a phone.
    """
    try:
        parsed = json.loads(text)
    except ValueError:
        return text
    return "\n".join(_strings(parsed)) if isinstance(parsed, dict | list) else text


def _strings(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield str(k)
            yield from _strings(v)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


async def scan_topics(bootstrap: str, names: set[str], *, prefix: str = "") -> tuple[int, list[Finding]]:
    """Read every record of every topic (from offset 0 to the current end); count them and list findings."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, max_partition_fetch_bytes=2**20)
    await consumer.start()
    records, found = 0, []
    try:
        topics = sorted(t for t in await consumer.topics() if t.startswith(prefix) and not t.startswith("__"))
        partitions = [TopicPartition(t, p) for t in topics for p in sorted(consumer.partitions_for_topic(t) or ())]
        ends = {tp: end for tp, end in (await consumer.end_offsets(partitions)).items() if end > 0}
        for chunk in _chunks(sorted(ends, key=lambda tp: (tp.topic, tp.partition)), 500):
            consumer.assign(chunk)
            await consumer.seek_to_beginning(*chunk)
            pending = {tp: ends[tp] for tp in chunk}
            while pending:
                batch = await consumer.getmany(timeout_ms=1000, max_records=5000)
                if not batch:
                    for tp in list(pending):  # compacted or truncated partitions end early
                        if await consumer.position(tp) >= pending[tp]:
                            del pending[tp]
                    continue
                for tp, items in batch.items():
                    for r in items:
                        records += 1
                        where = f"{r.topic}[{r.partition}]@{r.offset}"
                        headers = " ".join(f"{k}={v.decode('utf-8', 'replace')}" for k, v in r.headers or [])
                        key = r.key.decode("utf-8", "replace") if r.key else ""
                        value = _texts(r.value.decode("utf-8", "replace")) if r.value else ""
                        found += scan_text(f"{key} {headers}\n{value}", where, names)
                    if tp in pending and items[-1].offset + 1 >= pending[tp]:
                        del pending[tp]
    finally:
        await consumer.stop()
    return records, found


def _chunks(items: list[TopicPartition], size: int) -> Iterator[list[TopicPartition]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def scan_logs(root: Path, names: set[str]) -> tuple[int, list[Finding]]:
    """Every line of every `*.log` file under `root`."""
    lines, found = 0, []
    for path in sorted(root.rglob("*.log")):
        with path.open(encoding="utf-8", errors="replace") as handle:
            for number, line in enumerate(handle, 1):
                lines += 1
                found += scan_text(_texts(line), f"{path.relative_to(root)}:{number}", names)
    return lines, found
