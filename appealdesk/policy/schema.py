"""The typed schema of a policy pack (SPEC section 2: "a versioned, effective-dated YAML document").

A pack is data: a third program is added by writing one, without touching Python. Every rule
carries a `source` naming the seed sentence (or the law) it encodes, so the pack is its own
evidence. Cross-references (a rule naming a handler, a condition naming a category) are checked
when the pack loads, and `when:` conditions are compiled once, here.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)

from appealdesk.policy import conditions
from appealdesk.policy.vocabulary import (
    DATE_FIELDS,
    EXACT_UNITS,
    Channel,
    Direction,
    Disposition,
    Filer,
    Kind,
    RejectionCode,
    Strength,
    Track,
    Unit,
    WindowUnit,
)

ID = r"^[a-z][a-z0-9_-]*$"
# Milestones every program has; a pack declares more under `events:`.
MILESTONES = ("received", "acknowledged", "decided", "notified_verbal", "notified_written")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# How a pack fills a gap its seed leaves (a sentence cut off, a case the seed does not name, a
# limit taken from law): stated beside the rule, listed by `packs show`, and given in `assess`
# warnings whenever the rule decided the answer.
InterpretationText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class Source(Strict):
    """Where a rule comes from. `seed` is a verbatim sentence of the pack's seed document."""

    seed: str | None = None
    law: str | None = None
    spec: str | None = None
    note: str | None = None

    @model_validator(mode="after")
    def _one_reference(self) -> Source:
        if not (self.seed or self.law or self.spec):
            raise ValueError(
                "a source needs at least one of seed, law or spec — cite the sentence the rule "
                'encodes, e.g. {seed: "…"} (verbatim from the seed document) or {law: "…"}'
            )
        return self

    def cite(self) -> str:
        parts = [f"seed: '{self.seed}'"] if self.seed else []
        if self.law:
            parts.append(f"law: {self.law}")
        if not parts:
            parts.append(f"spec: {self.spec}")
        return "; ".join(parts)


class DatedEntry(Strict):
    date: dt.date
    name: str
    source: Source


class HolidaySource(Strict):
    """A release of the `holidays` package: the cross-check of a dated table (`crosscheck:`),
    or, in packs written before the tables (`holidays:`), the holiday list itself."""

    provider: Literal["holidays"] = "holidays"
    country: str
    subdiv: str | None = None
    categories: tuple[str, ...] = ("public",)
    # The calendar is regulatory: a different library release may move a holiday, so the pack
    # names the release it was checked against (and, as a list, refuses any other).
    package_version: str


class Observance(Strict):
    """Where a holiday on a weekend day is observed: `sunday: monday` moves a Sunday holiday to
    the Monday after; `saturday: friday` moves a Saturday one to the Friday before."""

    sunday: Literal["monday", "none"] = "monday"
    saturday: Literal["friday", "none"] = "none"
    source: Source | None = None


class HolidayRule(Strict):
    """One holiday as the statute defines it: a fixed `month`/`day`, or the `nth` `weekday` of
    `month` (-1: the last), plus `after` days. The rules project the dates of a year whose list
    is not published, and check the projected years of the table."""

    name: str
    aliases: tuple[str, ...] = ()  # the names the holidays package gives the same day
    month: int = Field(ge=1, le=12)
    day: int | None = Field(default=None, ge=1, le=31)
    weekday: str | None = None
    nth: int | None = Field(default=None, ge=-1, le=5)
    after: int = Field(default=0, ge=0, le=7)
    from_year: int | None = None
    until_year: int | None = None
    # this holiday's own weekend rule, where it differs from the calendar's `observance`
    saturday: Literal["friday", "none"] | None = None
    sunday: Literal["monday", "none"] | None = None
    source: Source

    @model_validator(mode="after")
    def _one_definition(self) -> HolidayRule:
        by_day = self.day is not None
        by_weekday = self.weekday is not None or self.nth is not None
        if by_day == by_weekday:
            raise ValueError("a holiday rule gives either `day`, or `weekday` with `nth`")
        if by_weekday and (self.weekday not in WEEKDAYS or not self.nth):
            raise ValueError(
                f"`weekday` is one of {', '.join(WEEKDAYS)} and `nth` is 1 to 5, or -1 (the last)"
            )
        return self


class TableHoliday(Strict):
    date: dt.date
    name: str
    # A day the statute's rules do not give (a day the Governor proclaimed) names its source.
    source: Source | None = None


class CalendarYear(Strict):
    """One year of the dated table: the list the law names, as published for that year
    (`published`), or computed from the statute's rules before it is (`projected`)."""

    year: int = Field(ge=1900, le=2200)
    status: Literal["published", "projected"]
    source: Source
    holidays: tuple[TableHoliday, ...]

    @model_validator(mode="after")
    def _dates_in_year(self) -> CalendarYear:
        for entry in self.holidays:
            if entry.date.year != self.year:
                raise ValueError(f"{entry.date} ({entry.name}) is not in {self.year}")
        if len({e.date for e in self.holidays}) != len(self.holidays):
            raise ValueError(f"{self.year} lists a date twice")
        return self


class NotHoliday(Strict):
    """A day the holidays package counts that the law's list does not, and why."""

    name: str
    matches: tuple[str, ...] = Field(min_length=1)  # package names containing one of these
    source: Source


def _local_time(value: Any) -> Any:
    # YAML 1.1 reads an unquoted 17:30 as the base-60 number 1050, which pydantic would take
    # for 00:17:30: refuse numbers, so every time of day is written as a quoted string.
    if isinstance(value, int | float) and not isinstance(value, bool):
        raise ValueError(
            f"{value!r} is a number, not a time of day — quote the time, e.g. '17:30' (YAML "
            "reads an unquoted 17:30 as the number 1050)"
        )
    return value


class OpeningHours(Strict):
    """When business hours count: opening to closing, wall-clock times in the program's zone,
    on the calendar's business days."""

    opens: dt.time
    closes: dt.time
    source: Source

    @field_validator("opens", "closes", mode="before")
    @classmethod
    def _times(cls, value: Any) -> Any:
        return _local_time(value)

    @field_validator("closes")
    @classmethod
    def _after_opening(cls, value: dt.time, info: ValidationInfo) -> dt.time:
        opens = info.data.get("opens")
        if opens is not None and not opens < value:
            raise ValueError(
                f"closes ({value:%H:%M}) is not after opens ({opens:%H:%M}) — an office day "
                "runs from opening to a later closing time the same day, e.g. '09:00' to '17:30'"
            )
        return value


class CalendarSpec(Strict):
    id: str = Field(pattern=ID)
    weekend: tuple[str, ...] = ("sat", "sun")
    # the list the law names, as its reasons call it ("CalHR's list", "RCW 1.16.050")
    authority: str | None = Field(default=None, max_length=60)  # it is on every clock label
    years: tuple[CalendarYear, ...] = ()
    rules: tuple[HolidayRule, ...] = ()
    observance: Observance = Observance()
    not_holidays: tuple[NotHoliday, ...] = ()
    crosscheck: HolidaySource | None = None
    # before the dated tables a pack named a `holidays` package list as its calendar; such packs
    # (and the cases stored with them) still load and count as they did
    holidays: HolidaySource | None = None
    added: tuple[DatedEntry, ...] = ()
    removed: tuple[DatedEntry, ...] = ()
    opening_hours: OpeningHours | None = None
    note: str | None = None
    source: Source

    @field_validator("weekend")
    @classmethod
    def _weekdays(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for day in value:
            if day not in WEEKDAYS:
                raise ValueError(f"{day!r} is not a weekday — use {', '.join(WEEKDAYS)}")
        if set(WEEKDAYS) <= set(value):
            raise ValueError(
                "every day of the week is a weekend day, so no day is a business day — list "
                "only the days the office is closed, e.g. [sat, sun]"
            )
        return value

    @model_validator(mode="after")
    def _one_list(self) -> CalendarSpec:
        tabled = bool(self.years or self.rules)
        if tabled and self.holidays is not None:
            raise ValueError(
                "a calendar with a dated table (`years`, `rules`) names the holidays package "
                "as its `crosscheck`, not as `holidays`"
            )
        if tabled and not self.authority:
            raise ValueError('a dated table names its `authority` (e.g. "CalHR\'s list")')
        years = [y.year for y in self.years]
        if years != sorted(set(years)):
            raise ValueError("`years` are listed once each, in order")
        return self


class ReceiptCutoff(Strict):
    """SPEC 3: a request arriving after a local time is received the next business day."""

    channels: tuple[Channel, ...]
    after: dt.time
    source: Source

    @field_validator("after", mode="before")
    @classmethod
    def _time(cls, value: Any) -> Any:
        return _local_time(value)


class ChannelReading(Strict):
    """Why a channel is (or is not) taken as written where the seed does not say."""

    interpretation: InterpretationText
    source: Source


class Intake(Strict):
    # Channels whose requests are in writing when the request does not say (`written` not given).
    written_channels: tuple[Channel, ...] = ("mail", "fax", "email", "portal")
    written_channel_notes: dict[Channel, ChannelReading] = Field(default_factory=dict)
    receipt_cutoffs: tuple[ReceiptCutoff, ...] = ()


class Handler(Strict):
    name: str
    role: str
    phone: str | None = None
    tty: str | None = None
    hours: str | None = None
    mail: str | None = None
    fax: str | None = None
    fax_note: str | None = None
    email: str | None = None
    email_accepted: bool = False
    decides: bool = True
    source: Source


class Service(Strict):
    label: str
    source: Source | None = None


class Category(Strict):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    label: str
    class_: str = Field(alias="class", pattern=ID)
    service: str | None = None
    phrases: tuple[str, ...] = ()
    # Who must review it: claim disputes by administrative staff, medical judgment by clinicians.
    review: Literal["administrative", "clinical"] | None = None
    review_source: Source | None = None
    source: Source


class Rejection(Strict):
    code: RejectionCode
    message: str


class Outcome(Strict):
    kind: Kind | None = None
    level: int | None = Field(default=None, ge=1)
    expedited: bool | None = None
    disposition: Disposition | None = None
    handler: str | None = None
    rejection: Rejection | None = None

    @model_validator(mode="after")
    def _rejection_iff_reject(self) -> Outcome:
        if (self.disposition == "reject") != (self.rejection is not None):
            raise ValueError(
                "'rejection' is given exactly when disposition is 'reject' — add `rejection: "
                "{code: untimely, message: …}` to a reject, or remove it from anything else"
            )
        return self


class Rule(Strict):
    id: str = Field(pattern=ID)
    when: dict[str, Any] | None = None
    then: Outcome = Outcome()
    reason: str
    interpretation: InterpretationText | None = None
    source: Source
    _test: conditions.Predicate = PrivateAttr()


class Rules(Strict):
    # Phases, each first-match-wins: what the request is, who handles it, whether it is admitted.
    kind: tuple[Rule, ...]
    handler: tuple[Rule, ...]
    admission: tuple[Rule, ...] = ()


class Window(Strict):
    """A filing window: basis date + length, in a day unit. `not_after` (no later than): timely
    when the local receipt date is on or before that day; `not_before` (no earlier than): on or
    after it. Outside it, `hard` refuses the request, `soft` accepts it with a warning, and
    `good_cause` accepts it only when the request shows good cause (`good_cause: true`)."""

    basis: tuple[str, ...] = Field(min_length=1)  # request dates, first given wins
    length: int = Field(ge=0)
    unit: WindowUnit
    direction: Direction = "not_after"
    strength: Strength = "hard"
    rule: str
    starts: str
    # What the party is told when the request falls outside the window.
    untimely: str
    source: Source

    @field_validator("unit", mode="before")
    @classmethod
    def _day_unit(cls, value: Any) -> Any:
        if value in EXACT_UNITS:
            raise ValueError(
                f"a filing window counts from a date (a notice, an occurrence), so {value} have "
                "nothing to count from — write calendar_days, business_days, months or years"
            )
        return value

    @field_validator("basis")
    @classmethod
    def _dates(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for name in value:
            if name not in DATE_FIELDS:
                raise ValueError(
                    f"{name!r} is not a date of the request — a window counts from one of "
                    f"{', '.join(DATE_FIELDS)} (the first one the request gives)"
                )
        return value

    @property
    def is_default(self) -> bool:
        """A plain hard "no later than" window, the only kind before issue 23."""
        return self.direction == "not_after" and self.strength == "hard"


class FilingVariant(Strict):
    when: dict[str, Any] | None = None
    window: Window | None = None
    # several windows at once, e.g. "no earlier than 30 days and no later than 6 months after"
    windows: tuple[Window, ...] = ()
    reason: str | None = None
    interpretation: InterpretationText | None = None
    source: Source | None = None
    _test: conditions.Predicate = PrivateAttr()

    @model_validator(mode="before")
    @classmethod
    def _explicit(cls, data: Any) -> Any:
        if isinstance(data, dict) and "window" not in data and "windows" not in data:
            raise ValueError(
                "a filing variant says its window — write `window: null` when none applies, "
                "`window:` for one, or `windows:` for several"
            )
        return data

    @model_validator(mode="after")
    def _one_form(self) -> FilingVariant:
        if self.window is not None and self.windows:
            raise ValueError(
                "both `window:` and `windows:` are given — put every window under `windows:`"
            )
        return self

    @property
    def all_windows(self) -> tuple[Window, ...]:
        return (self.window,) if self.window is not None else self.windows


class _Span(Strict):
    """The checks of a `unit` and `length` pair (a clock, an overlay)."""

    @model_validator(mode="before")
    @classmethod
    def _defaults(cls, data: Any) -> Any:
        # an immediate clock has no length to give: it is due at its start
        if isinstance(data, dict) and data.get("unit") == "immediate" and "length" not in data:
            return {**data, "length": 0}
        return data

    @field_validator("length", check_fields=False)
    @classmethod
    def _length(cls, length: int, info: ValidationInfo) -> int:
        return _span_length(length, info)


def _span_length(length: int, info: ValidationInfo) -> int:
    unit = info.data.get("unit")
    if unit == "immediate" and length != 0:
        raise ValueError(
            f"an immediate clock is due at its start, so it has no length (got {length}) — "
            "remove `length:`, or use another unit for a span of time"
        )
    if unit is not None and unit != "immediate" and length == 0:
        unit_words = str(unit).replace("_", " ")
        raise ValueError(
            f"0 {unit_words} is due at the start — write `unit: immediate` (shown as "
            "'immediately', met by the first milestone), or a length of 1 or more"
        )
    return length


class ExtensionLimit(Strict):
    """How far an extension may move the due time: at most `length` `unit` past it."""

    unit: Unit
    length: int = Field(ge=1)


class Extension(Strict):
    by: tuple[str, ...]
    requires: Literal["notice", "written_consent", "nothing"]
    consent_from: tuple[Filer, ...] = ()
    reason: str | None = None
    up_to: ExtensionLimit | None = None
    source: Source


class Overlay(_Span):
    """A shorter limit from law beside the plan's own: the earlier due time governs."""

    unit: Unit
    length: int = Field(ge=0)
    source: Source


class ClockDef(_Span):
    id: str = Field(pattern=ID)
    label: str
    unit: Unit
    length: int = Field(ge=0)
    starts: str = "received"
    met_by: tuple[str, ...] = Field(min_length=1)  # the milestones that fulfil it
    roll: Literal["none", "forward"] = "none"
    binding: bool = True
    when: dict[str, Any] | None = None
    notice: Literal["written", "verbal", "by_request"] | None = None
    extension: Extension | None = None
    pausable: bool = False
    overlays: tuple[Overlay, ...] = ()
    interpretation: InterpretationText | None = None
    # `urgent`: the clock belongs to the expedited (urgent) track: when it runs, the request is
    # expedited (`expedited: true` in the answer).
    track: Track = "standard"
    source: Source
    _test: conditions.Predicate = PrivateAttr()


class RequiredItem(Strict):
    id: str = Field(pattern=ID)
    label: str
    aliases: tuple[str, ...] = ()
    when: dict[str, Any] | None = None
    source: Source
    _test: conditions.Predicate = PrivateAttr()


class Note(Strict):
    text: str
    when: dict[str, Any] | None = None
    source: Source
    _test: conditions.Predicate = PrivateAttr()


class NextLevel(Strict):
    kind: Kind
    level: int | None = None
    source: Source


class Process(Strict):
    """What runs once a request is known to be of `kind` (and `level`)."""

    kind: Kind
    level: int | None = Field(default=None, ge=1)
    label: str
    filing: tuple[FilingVariant, ...] = ()
    clocks: tuple[ClockDef, ...] = ()
    required: tuple[RequiredItem, ...] = ()
    notes: tuple[Note, ...] = ()
    next_level: NextLevel | None = None


@dataclass(frozen=True)
class Interpretation:
    """One gap the pack fills: where it is, what it decides, how, and on what authority."""

    path: str  # inside the pack, e.g. rules.admission[4]
    subject: str  # what it decides, e.g. "admission rule iro-after-withdrawal"
    text: str
    source: Source | None


def interpretation_warning(subjects: list[str], text: str) -> str:
    """How `assess` states one reading that decided its answer, naming what it decided."""
    return f"interpretation ({'; '.join(subjects)}): {text}"


class Sweep(Strict):
    at_risk_fraction: float = Field(default=0.8, gt=0, lt=1)


class Letters(Strict):
    """Letters: whose letterhead a letter carries when the case's own handler cannot sign it (a
    request redirected to a body that does not decide it, or no handler known yet)."""

    sender: str = Field(pattern=ID)
    source: Source


class Classifier(Strict):
    # the phrase matcher's floor (a pack without a trained model)
    min_confidence: float = Field(default=0.5, gt=0, le=1)
    # the trained model's floor: a proposal less likely than this needs review (calibrated
    # probability; 0.8 keeps unflagged mistakes under 2% of the held-out corpus, docs/classifier.md)
    min_probability: float = Field(default=0.8, gt=0, le=1)


class Pack(Strict):
    program: str = Field(pattern=ID)
    name: str
    version: str
    effective_from: dt.date
    time_zone: str
    seed_document: str | None = None
    description: str | None = None
    calendar: CalendarSpec
    intake: Intake = Intake()
    events: dict[str, str] = Field(default_factory=dict)
    services: dict[str, Service] = Field(default_factory=dict)
    handlers: dict[str, Handler]
    categories: dict[str, Category]
    classifier: Classifier = Classifier()
    letters: Letters | None = None
    rules: Rules
    processes: tuple[Process, ...]
    sweep: Sweep = Sweep()
    _interpretations: dict[int, Interpretation] = PrivateAttr(default_factory=dict)

    @field_validator("time_zone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"{value!r} is not an IANA time zone — e.g. America/Los_Angeles"
            ) from None
        return value

    def link(self) -> Pack:
        """Check cross-references and compile conditions; raises `PackPathErrors` listing
        every problem found, each with its path and a hint."""
        problems: list[PackPathError] = []
        for section in ("handlers", "categories", "services"):
            problems += _check_keys(section, getattr(self, section))
        for cid, cat in self.categories.items():
            if cat.service is not None and cat.service not in self.services:
                problems.append(
                    _at(
                        f"categories.{cid}.service", _unknown("service", cat.service, self.services)
                    )
                )
        if self.letters is not None and self.letters.sender not in self.handlers:
            problems.append(
                _at("letters.sender", _unknown("handler", self.letters.sender, self.handlers))
            )
        domains = conditions.fact_domains(
            list(self.categories),
            sorted({c.class_ for c in self.categories.values()}),
            list(self.services),
        )
        events = {*MILESTONES, *self.events}
        for phase in ("kind", "handler", "admission"):
            for i, rule in enumerate(getattr(self.rules, phase)):
                path = f"rules.{phase}[{i}]"
                problems += _compile(rule, domains, path)
                handler = rule.then.handler
                if handler is not None and handler not in self.handlers:
                    problems.append(
                        _at(f"{path}.then.handler", _unknown("handler", handler, self.handlers))
                    )
                if phase == "handler" and handler is None:
                    problems.append(
                        _at(
                            f"{path}.then.handler",
                            "a handler rule must name a handler — add `then: {handler: <id>}` "
                            f"with one of: {', '.join(sorted(self.handlers))}",
                        )
                    )
                if rule.then.kind == "expedited_appeal" and rule.then.expedited is False:
                    problems.append(
                        _at(
                            f"{path}.then.expedited",
                            "an expedited appeal that is not expedited contradicts itself — "
                            "remove `expedited: false`, or make the kind `appeal`",
                        )
                    )
        seen: set[tuple[str, int | None]] = set()
        for i, process in enumerate(self.processes):
            path = f"processes[{i}]"
            key = (process.kind, process.level)
            if key in seen:
                problems.append(
                    _at(
                        path,
                        f"a second process for kind {process.kind} level {process.level} — "
                        "merge the two, or give each its own `level:`",
                    )
                )
            seen.add(key)
            problems += self._link_process(process, path, domains, events)
        for i, process in enumerate(self.processes):
            nxt = process.next_level
            if nxt is not None and (nxt.kind, nxt.level) not in seen:
                problems.append(
                    _at(
                        f"processes[{i}].next_level",
                        f"no process for kind {nxt.kind} level {nxt.level} — add that process, "
                        "or point `next_level` at one of: "
                        + ", ".join(f"{k} {lv or ''}".strip() for k, lv in sorted(seen, key=str)),
                    )
                )
        if problems:
            raise PackPathErrors(problems)
        self._interpretations = {id(item): found for item, found in self._find_interpretations()}
        return self

    def _find_interpretations(self) -> list[tuple[object, Interpretation]]:
        found: list[tuple[object, Interpretation]] = []

        def add(
            item: object, path: str, subject: str, text: str | None, source: Source | None
        ) -> None:
            if text:
                found.append((item, Interpretation(path, subject, text, source)))

        for channel, reading in self.intake.written_channel_notes.items():
            taken = "written" if channel in self.intake.written_channels else "not written"
            subject = f"a request by {channel.replace('_', ' ')} taken as {taken}"
            path = f"intake.written_channel_notes.{channel}"
            add(reading, path, subject, reading.interpretation, reading.source)
        for phase in ("kind", "handler", "admission"):
            for i, rule in enumerate(getattr(self.rules, phase)):
                subject = f"{phase} rule {rule.id}"
                add(rule, f"rules.{phase}[{i}]", subject, rule.interpretation, rule.source)
        for i, process in enumerate(self.processes):
            for j, variant in enumerate(process.filing):
                # the variant's own source names what fills the gap; else its window's
                windows = variant.all_windows
                source = variant.source or (windows[0].source if windows else None)
                path, subject = f"processes[{i}].filing[{j}]", f"filing window: {process.label}"
                add(variant, path, subject, variant.interpretation, source)
            for j, clock in enumerate(process.clocks):
                path, subject = f"processes[{i}].clocks[{j}]", f"clock {clock.id}: {process.label}"
                add(clock, path, subject, clock.interpretation, clock.source)
        return found

    def interpretations(self) -> list[Interpretation]:
        """Every gap this pack fills, in the order `packs show` lists them."""
        return list(self._interpretations.values())

    def interpretation_of(self, item: object) -> Interpretation | None:
        """The interpretation an item of this pack carries (a rule, window or clock), if any."""
        # read past pydantic's slow private-attribute path: `assess` asks for every rule it uses
        found: dict[int, Interpretation] = self.__pydantic_private__["_interpretations"]  # type: ignore[index]
        return found.get(id(item))

    # -- lookups used by the engine ---------------------------------------------------------
    def process_for(self, kind: str, level: int | None) -> Process | None:
        for process in self.processes:
            if process.kind == kind and process.level == level:
                return process
        return None

    def levels_of(self, kind: str) -> list[int]:
        return sorted(p.level for p in self.processes if p.kind == kind and p.level is not None)

    def _link_process(
        self,
        process: Process,
        path: str,
        domains: dict[str, frozenset[Any] | None],
        events: set[str],
    ) -> list[PackPathError]:
        problems: list[PackPathError] = []
        for j, variant in enumerate(process.filing):
            problems += _compile(variant, domains, f"{path}.filing[{j}]")
        clock_ids: set[str] = set()
        for j, clock in enumerate(process.clocks):
            where = f"{path}.clocks[{j}]"
            problems += _compile(clock, domains, where)
            if clock.id in clock_ids:
                problems.append(
                    _at(
                        f"{where}.id",
                        f"a second clock {clock.id!r} in this process — give each clock its own "
                        "id (two clocks for different cases: two ids, each with its `when:`)",
                    )
                )
            clock_ids.add(clock.id)
            for field, event in (
                ("starts", clock.starts),
                *((f"met_by[{k}]", m) for k, m in enumerate(clock.met_by)),
            ):
                if event not in events:
                    problems.append(
                        _at(
                            f"{where}.{field}",
                            _unknown("event", event, events) + " (or declare it under `events:`)",
                        )
                    )
            spans = [("unit", clock.unit)] + [
                (f"overlays[{k}].unit", o.unit) for k, o in enumerate(clock.overlays)
            ]
            if clock.extension is not None and clock.extension.up_to is not None:
                spans.append(("extension.up_to.unit", clock.extension.up_to.unit))
            for field, unit in spans:
                if unit == "business_hours" and self.calendar.opening_hours is None:
                    problems.append(
                        _at(
                            f"{where}.{field}",
                            f"business hours count only while the office is open, and calendar "
                            f"{self.calendar.id} has no opening hours — add `opening_hours: "
                            "{opens: '09:00', closes: '17:30', source: {…}}` under `calendar:`",
                        )
                    )
        for j, item in enumerate(process.required):
            problems += _compile(item, domains, f"{path}.required[{j}]")
        for j, note in enumerate(process.notes):
            problems += _compile(note, domains, f"{path}.notes[{j}]")
        return problems


def primary_window(variant: FilingVariant) -> Window | None:
    """The window a variant is known by: its first `not_after` one, else its first."""
    windows = variant.all_windows
    return next((w for w in windows if w.direction == "not_after"), windows[0] if windows else None)


def holds(
    item: Rule | FilingVariant | ClockDef | RequiredItem | Note, facts: conditions.Facts
) -> bool:
    """Whether the item's compiled `when:` holds (read past pydantic's slow private-attr path)."""
    test: conditions.Predicate = item.__pydantic_private__["_test"]  # type: ignore[index]
    return test(facts)


class PackPathError(ValueError):
    """A semantic error at a path inside the pack (reported like pydantic's own errors); the
    message says what is wrong, then after " — " what to write instead."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = path
        self.message = message


class PackPathErrors(ValueError):
    """Every semantic error of a pack, in the order of the pack."""

    def __init__(self, problems: list[PackPathError]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


def _at(path: str, message: str) -> PackPathError:
    return PackPathError(path, message)


def _unknown(what: str, value: str, known: Any) -> str:
    close = difflib.get_close_matches(value, list(known), n=1)
    guess = f"did you mean {close[0]!r}? " if close else ""
    return f"unknown {what} {value!r} — {guess}use one of: {', '.join(sorted(known))}"


def _check_keys(section: str, mapping: dict[str, Any]) -> list[PackPathError]:
    return [
        _at(
            f"{section}.{key}",
            "ids are lower case letters, digits, '-' and '_', starting with a letter — "
            f"e.g. {re.sub(r'[^a-z0-9_-]+', '-', str(key).lower()).strip('-_') or 'my-id'}",
        )
        for key in mapping
        if not re.match(ID, key)
    ]


def _compile(
    item: Rule | FilingVariant | ClockDef | RequiredItem | Note,
    domains: dict[str, frozenset[Any] | None],
    path: str,
) -> list[PackPathError]:
    try:
        test: Callable[[conditions.Facts], bool] = conditions.compile_condition(item.when, domains)
    except conditions.ConditionError as exc:
        where = f"{path}.when.{exc.path}" if exc.path else f"{path}.when"
        return [_at(where, exc.message)]
    item._test = test
    return []
