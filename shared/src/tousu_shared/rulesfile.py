"""The one loader of reference-data files (rules, policies, clocks, plans): YAML into a strict pydantic model.

A bad file fails fast at start-up with the file named and the problem said; an institution edits
these files, not code.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

M = TypeVar("M", bound=BaseModel)


class Strict(BaseModel):
    """A section of a reference-data file: unknown keys are errors, values are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class RulesFileError(ValueError):
    """A reference-data file is missing, unreadable or invalid."""


def parse_file(model: type[M], *, text: str, source: str, what: str, error: type[RulesFileError] = RulesFileError) -> M:
    """Validate YAML `text` as `model`; raise `error` naming `source` and what is wrong."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise error(f"{source}: not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise error(f"{source}: expected a mapping at the top level")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise error(f"{source}: invalid {what}:\n{exc}") from exc
    except ValueError as exc:  # raised while compiling the validated file (a bad regular expression ...)
        raise error(f"{source}: invalid {what}: {exc}") from exc


def load_file(
    model: type[M],
    *,
    path: Path | None,
    package: str,
    what: str,
    error: type[RulesFileError] = RulesFileError,
    name: str = "default.yaml",
) -> M:
    """Load `path`, or the packaged `package/name` when `path` is None."""
    if path is None:
        text = resources.files(package).joinpath(name).read_text(encoding="utf-8")
        return parse_file(model, text=text, source=f"{package.rsplit('.', 1)[-1]}/{name}", what=what, error=error)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise error(f"{path}: cannot read {what} file: {exc}") from exc
    return parse_file(model, text=text, source=str(path), what=what, error=error)
