"""The institution's holiday override (reference data): rest days and adjusted working days per year.

chinesecalendar carries each year's State Council schedule only from a release some weeks after the
notice (国务院办公厅关于某年部分节假日安排的通知). Until then an institution can list that year itself, copied
from the notice, in a YAML file named by `TOUSU_CALENDAR_FILE`. A listed day is consulted before
chinesecalendar, and a listed year counts as known: its other days follow chinesecalendar when it knows
the year, else Monday–Friday (a weekday works, a weekend rests). Every service loads the same file.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator


class HolidayFileError(ValueError):
    """The holiday override file is missing, unreadable or invalid."""


class Strict(BaseModel):
    """Override-file section: unknown keys are errors, values are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class YearSchedule(Strict):
    """One year's schedule as the State Council published it."""

    source: str | None = Field(
        default=None, description="Where the days come from, e.g. the notice's title and number (国办发明电〔…〕…号)."
    )
    holidays: frozenset[date] = Field(
        default_factory=frozenset,
        description="Rest days: the public holidays and the weekdays the schedule gives off (weekends may be listed).",
    )
    workdays: frozenset[date] = Field(
        default_factory=frozenset, description="Adjusted working days (调休上班): weekend days made working days."
    )


class HolidayOverrides(Strict):
    """The whole override: schedules by year (an empty file or none at all overrides nothing)."""

    years: dict[int, YearSchedule] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _consistent(self) -> HolidayOverrides:
        for year, schedule in self.years.items():
            strays = sorted(d for d in schedule.holidays | schedule.workdays if d.year != year)
            if strays:
                raise ValueError(f"year {year} lists days of another year: {', '.join(map(str, strays))}")
            both = sorted(schedule.holidays & schedule.workdays)
            if both:
                raise ValueError(f"year {year} lists days as both holiday and workday: {', '.join(map(str, both))}")
        return self

    def listed(self, day: date) -> bool | None:
        """True for a listed working day, False for a listed rest day, None when the day is not listed."""
        schedule = self.years.get(day.year)
        if schedule is None or (day not in schedule.holidays and day not in schedule.workdays):
            return None
        return day in schedule.workdays

    def knows(self, year: int) -> bool:
        """True when the file lists this year's schedule."""
        return year in self.years


NO_OVERRIDES = HolidayOverrides()


def parse_holidays(*, text: str, source: str = "<calendar>") -> HolidayOverrides:
    """Validate an override from YAML text; raise `HolidayFileError` naming the source."""
    try:
        data = yaml.safe_load(text)
        return HolidayOverrides.model_validate(data if data is not None else {})
    except yaml.YAMLError as exc:
        raise HolidayFileError(f"{source}: not valid YAML: {exc}") from exc
    except ValidationError as exc:
        raise HolidayFileError(f"{source}: invalid holiday override:\n{exc}") from exc


def load_holidays(path: Path | None) -> HolidayOverrides:
    """The override in `path` (TOUSU_CALENDAR_FILE), or no override when unset."""
    if path is None:
        return NO_OVERRIDES
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise HolidayFileError(f"TOUSU_CALENDAR_FILE {path}: cannot read the holiday override: {exc}") from exc
    return parse_holidays(text=text, source=str(path))
