"""JSON logging (structlog) that scrubs personal data from every event and message."""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import MutableMapping
from pathlib import Path
from typing import Any

import structlog

PII_KEYS = frozenset({"name", "phone", "id_number", "customer_name", "customer_phone", "mobile", "id_card"})
# Bounded by anything but ASCII letters and digits: a number inside Chinese text is found, a digit
# run inside a hex key (customer_key, ce_id) is not.
_B, _E = r"(?<![0-9A-Za-z])", r"(?![0-9A-Za-z])"
_PATTERNS = (
    re.compile(_B + r"\d{17}[\dXx]" + _E),  # PRC resident ID number
    re.compile(_B + r"(?:\+?86[- ]?)?1[3-9]\d{9}" + _E),  # mainland mobile
    re.compile(_B + r"0\d{2,3}-?\d{7,8}" + _E),  # landline with area code
)
REDACTED = "[redacted]"


def scrub(text: str) -> str:
    """Replace ID numbers and phone numbers inside free text."""
    for pattern in _PATTERNS:
        text = pattern.sub(REDACTED, text)
    return text


def _scrub_value(value: Any) -> Any:
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, dict):
        return {k: REDACTED if k in PII_KEYS else _scrub_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_scrub_value(v) for v in value]
    return value


def scrub_processor(_: Any, __: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """structlog processor: redact PII keys and PII-looking values."""
    for key in list(event):
        event[key] = REDACTED if key in PII_KEYS else _scrub_value(event[key])
    return event


def configure_logging(*, service: str, level: str = "INFO", json: bool = True, file: Path | None = None) -> None:
    """Route structlog and stdlib logging (uvicorn, aiokafka, faststream) through one scrubbed renderer, to
    stderr and, when `file` is given, appended to that file as well."""
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.format_exc_info,
        scrub_processor,
    ]
    renderer: Any = structlog.processors.JSONRenderer(ensure_ascii=False) if json else structlog.dev.ConsoleRenderer()
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared,
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
    )
    handlers: list[logging.Handler] = [logging.StreamHandler(sys.stderr)]
    if file is not None:
        file.parent.mkdir(parents=True, exist_ok=True)
        handlers.append(logging.FileHandler(file, encoding="utf-8"))
    for handler in handlers:
        handler.setFormatter(formatter)
    root = logging.getLogger()
    for old in root.handlers:
        if isinstance(old, logging.FileHandler):
            old.close()
    root.handlers[:] = handlers
    root.setLevel(level)
    for noisy in ("aiokafka", "kafka", "pymongo", "faststream.access"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
    logging.getLogger("uvicorn.access").disabled = True  # we log requests ourselves, without query strings
    structlog.contextvars.bind_contextvars(service=service)


def get_logger(name: str) -> Any:
    """A structlog logger."""
    return structlog.get_logger(name)
