"""The typed schema of a policy pack (SPEC section 2: "a versioned, effective-dated YAML document").

A pack is data: a third program is added by writing one, without touching Python. Every rule
carries a `source` naming the seed sentence (or the law) it encodes, so the pack is its own
evidence. Cross-references (a rule naming a handler, a condition naming a category) are checked
when the pack loads, and `when:` conditions are compiled once, here.
"""

from __future__ import annotations

import datetime as dt
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
    field_validator,
    model_validator,
)

from appealdesk.policy import conditions
from appealdesk.policy.vocabulary import (
    Channel,
    Disposition,
    Filer,
    Kind,
    RejectionCode,
    Unit,
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
            raise ValueError("a source needs at least one of seed, law or spec")
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
    note: str | None = None
    source: Source

    @field_validator("weekend")
    @classmethod
    def _weekdays(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for day in value:
            if day not in WEEKDAYS:
                raise ValueError(f"{day!r} is not a weekday; use {', '.join(WEEKDAYS)}")
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
            raise ValueError("'rejection' is given exactly when disposition is 'reject'")
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
    """A filing window: timely when the local receipt date is on or before basis + length."""

    basis: tuple[str, ...]  # request fields, first given wins: notice_date, prior.letter_date…
    length: int = Field(ge=1)
    unit: Literal["calendar_days", "years"]
    rule: str
    starts: str
    # What the party is told when the request came in too late.
    untimely: str
    source: Source


class FilingVariant(Strict):
    when: dict[str, Any] | None = None
    window: Window | None
    reason: str | None = None
    interpretation: InterpretationText | None = None
    source: Source | None = None
    _test: conditions.Predicate = PrivateAttr()


class Extension(Strict):
    by: tuple[str, ...]
    requires: Literal["notice", "written_consent", "nothing"]
    consent_from: tuple[Filer, ...] = ()
    reason: str | None = None
    source: Source


class Overlay(Strict):
    """A shorter limit from law beside the plan's own: the earlier due time governs."""

    unit: Unit
    length: int = Field(ge=1)
    source: Source


class ClockDef(Strict):
    id: str = Field(pattern=ID)
    label: str
    unit: Unit
    length: int = Field(ge=1)
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
                f"{value!r} is not an IANA time zone, e.g. America/Los_Angeles"
            ) from None
        return value

    def link(self) -> Pack:
        """Check cross-references and compile conditions; raises `PackPathError`."""
        _check_keys("handlers", self.handlers)
        _check_keys("categories", self.categories)
        _check_keys("services", self.services)
        for cid, cat in self.categories.items():
            if cat.service is not None and cat.service not in self.services:
                raise _at(f"categories.{cid}.service", f"unknown service {cat.service!r}")
        if self.letters is not None and self.letters.sender not in self.handlers:
            raise _at("letters.sender", _unknown("handler", self.letters.sender, self.handlers))
        domains = conditions.fact_domains(
            list(self.categories),
            sorted({c.class_ for c in self.categories.values()}),
            list(self.services),
        )
        events = {*MILESTONES, *self.events}
        for phase in ("kind", "handler", "admission"):
            for i, rule in enumerate(getattr(self.rules, phase)):
                path = f"rules.{phase}[{i}]"
                _compile(rule, domains, path)
                handler = rule.then.handler
                if handler is not None and handler not in self.handlers:
                    raise _at(f"{path}.then.handler", _unknown("handler", handler, self.handlers))
                if phase == "handler" and handler is None:
                    raise _at(f"{path}.then.handler", "a handler rule must name a handler")
        seen: set[tuple[str, int | None]] = set()
        for i, process in enumerate(self.processes):
            path = f"processes[{i}]"
            key = (process.kind, process.level)
            if key in seen:
                raise _at(path, f"a second process for kind {process.kind} level {process.level}")
            seen.add(key)
            for j, variant in enumerate(process.filing):
                _compile(variant, domains, f"{path}.filing[{j}]")
            for j, clock in enumerate(process.clocks):
                _compile(clock, domains, f"{path}.clocks[{j}]")
                for where, event in (
                    ("starts", clock.starts),
                    *((f"met_by[{k}]", m) for k, m in enumerate(clock.met_by)),
                ):
                    if event not in events:
                        raise _at(
                            f"{path}.clocks[{j}].{where}",
                            _unknown("event", event, events) + " (declare it under `events:`)",
                        )
            for j, item in enumerate(process.required):
                _compile(item, domains, f"{path}.required[{j}]")
            for j, note in enumerate(process.notes):
                _compile(note, domains, f"{path}.notes[{j}]")
        for i, process in enumerate(self.processes):
            nxt = process.next_level
            if nxt is not None and (nxt.kind, nxt.level) not in seen:
                raise _at(
                    f"processes[{i}].next_level",
                    f"no process for kind {nxt.kind} level {nxt.level}",
                )
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
                source = variant.source or (variant.window.source if variant.window else None)
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


def holds(
    item: Rule | FilingVariant | ClockDef | RequiredItem | Note, facts: conditions.Facts
) -> bool:
    """Whether the item's compiled `when:` holds (read past pydantic's slow private-attr path)."""
    test: conditions.Predicate = item.__pydantic_private__["_test"]  # type: ignore[index]
    return test(facts)


class PackPathError(ValueError):
    """A semantic error at a path inside the pack (reported like pydantic's own errors)."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = path
        self.message = message


def _at(path: str, message: str) -> PackPathError:
    return PackPathError(path, message)


def _unknown(what: str, value: str, known: Any) -> str:
    return f"unknown {what} {value!r}; known: {', '.join(sorted(known))}"


def _check_keys(section: str, mapping: dict[str, Any]) -> None:
    for key in mapping:
        if not re.match(ID, key):
            raise _at(f"{section}.{key}", "ids are lower case letters, digits, '-' and '_'")


def _compile(
    item: Rule | FilingVariant | ClockDef | RequiredItem | Note,
    domains: dict[str, frozenset[Any] | None],
    path: str,
) -> None:
    try:
        test: Callable[[conditions.Facts], bool] = conditions.compile_condition(item.when, domains)
    except conditions.ConditionError as exc:
        raise _at(f"{path}.when.{exc.path}" if exc.path else f"{path}.when", exc.message) from None
    item._test = test
