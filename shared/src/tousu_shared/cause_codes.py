"""Cause categories mapped to the regulators' complaint codes (JR/T 0169-2018 for banks, the insurance split).

Shared reference data: analysis checks its cause categories against it at start-up, intake's report
shows the codes. Strictly validated: a malformed, unknown or duplicate code is an error at load.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Annotated

from pydantic import Field, StringConstraints, model_validator

from tousu_shared.rulesfile import RulesFileError, Strict, load_file, parse_file

CauseCode = Annotated[str, StringConstraints(pattern=r"^C(0[1-9]|[1-9]\d)$")]
BusinessCode = Annotated[str, StringConstraints(pattern=r"^B(0[1-9]|[1-9]\d)$")]
DisputeCode = Annotated[str, StringConstraints(pattern=r"^I(0[1-9]|[1-9]\d)$")]
LineCode = Annotated[str, StringConstraints(pattern=r"^[PL]$")]
Name = Annotated[str, StringConstraints(min_length=1, strip_whitespace=True)]
_OTHER = re.compile(r"^[A-Z]99$")


class CauseCodesError(RulesFileError):
    """The cause-code mapping file is missing, unreadable or invalid."""


class Jrt0169(Strict):
    """JR/T 0169-2018 classes used here: cause (C) and top-level business category (B)."""

    title: Name
    causes: dict[CauseCode, Name] = Field(min_length=2)
    business_categories: dict[BusinessCode, Name] = Field(min_length=2)


class InsuranceSplit(Strict):
    """The insurance regulator's dispute types and the property/life lines."""

    title: Name
    disputes: dict[DisputeCode, Name] = Field(min_length=2)
    lines: dict[LineCode, Name] = Field(min_length=2)


class CategoryCodes(Strict):
    """Where one tousu cause category is reported under each classification."""

    jrt_0169: CauseCode
    insurance: DisputeCode
    note: str = ""


class ProductCodes(Strict):
    """Where one tousu product type is reported: bank business category or insurance line."""

    jrt_0169: BusinessCode | None = None
    insurance_line: LineCode | None = None
    note: str = ""

    @model_validator(mode="after")
    def _one_classification(self) -> ProductCodes:
        if (self.jrt_0169 is None) == (self.insurance_line is None):
            raise ValueError("a product type maps to exactly one of jrt_0169 or insurance_line")
        return self


class CodeCell(Strict):
    """One code with its name, as the report shows it."""

    code: str
    name: str


class CauseCodes(Strict):
    """The whole mapping file."""

    version: Name
    jrt_0169: Jrt0169
    insurance: InsuranceSplit
    product_types: dict[Name, ProductCodes] = Field(default_factory=dict)
    categories: dict[Name, CategoryCodes] = Field(min_length=1)

    @model_validator(mode="after")
    def _codes_exist(self) -> CauseCodes:
        for table in (self.jrt_0169.causes, self.jrt_0169.business_categories, self.insurance.disputes):
            if not any(_OTHER.match(code) for code in table):
                raise ValueError(f"every classification needs its 99 'other' class: {sorted(table)}")
            names = list(table.values())
            if len(set(names)) != len(names):
                raise ValueError(f"duplicate class names in {sorted(table)}")
        for name, codes in self.categories.items():
            _known(codes.jrt_0169, self.jrt_0169.causes, f"category {name!r}")
            _known(codes.insurance, self.insurance.disputes, f"category {name!r}")
        for name, product in self.product_types.items():
            if product.jrt_0169 is not None:
                _known(product.jrt_0169, self.jrt_0169.business_categories, f"product type {name!r}")
            if product.insurance_line is not None:
                _known(product.insurance_line, self.insurance.lines, f"product type {name!r}")
        return self

    def require(self, categories: list[str], *, what: str = "cause categories") -> None:
        """Raise `CauseCodesError` naming every category of `categories` that has no codes."""
        missing = [c for c in categories if c not in self.categories]
        if missing:
            raise CauseCodesError(f"{what} without regulatory codes in cause_codes.yaml: {missing}")

    def bank_cause(self, category: str) -> CodeCell | None:
        """The JR/T 0169 cause class of a tousu category (None when unmapped, e.g. `unanalysed`)."""
        codes = self.categories.get(category)
        if codes is None:
            return None
        return CodeCell(code=codes.jrt_0169, name=self.jrt_0169.causes[codes.jrt_0169])

    def insurance_dispute(self, category: str) -> CodeCell | None:
        """The insurance dispute type of a tousu category (None when unmapped)."""
        codes = self.categories.get(category)
        if codes is None:
            return None
        return CodeCell(code=codes.insurance, name=self.insurance.disputes[codes.insurance])


def _known(code: str, table: dict[str, str], where: str) -> None:
    if code not in table:
        raise ValueError(f"{where}: code {code} is not in the classification ({sorted(table)})")


def parse_cause_codes(*, text: str, source: str = "<cause codes>") -> CauseCodes:
    """Validate a mapping from YAML text; raise `CauseCodesError` naming the source and the problem."""
    return parse_file(CauseCodes, text=text, source=source, what="cause codes", error=CauseCodesError)


def load_cause_codes(*, path: Path | None = None) -> CauseCodes:
    """Load a mapping file (the packaged `tousu_shared/data/cause_codes.yaml` when `path` is None)."""
    if path is None:
        return packaged_cause_codes()
    return load_file(CauseCodes, path=path, package="tousu_shared.data", what="cause codes", error=CauseCodesError)


@lru_cache(maxsize=1)
def packaged_cause_codes() -> CauseCodes:
    """The packaged mapping, read and validated once per process."""
    return load_file(
        CauseCodes,
        path=None,
        package="tousu_shared.data",
        what="cause codes",
        error=CauseCodesError,
        name="cause_codes.yaml",
    )
