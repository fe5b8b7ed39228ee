"""`assess`: what one incoming request is, who handles it, whether it is in time, what is
missing, and every deadline that now runs (SPEC section 7). Stores nothing.

The engine knows the contract and the time rules; everything about a program comes from its
pack: rule phases `kind` → `handler` → `admission` (first match wins in each), then the
process for the resulting kind and level (filing window, clocks, required items, next level).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import ValidationError

from appealdesk.policy import timecalc
from appealdesk.policy.calendar import Calendar
from appealdesk.policy.classify import (
    Classification,
    Patterns,
    classify_model,
    classify_text,
    compile_patterns,
    given,
    model_for,
)
from appealdesk.policy.contract import AssessRequest, parse_date, parse_instant
from appealdesk.policy.loader import (
    LoadedPack,
    NoVersionInForce,
    PackRegistry,
    UnknownProgram,
    default_registry,
)
from appealdesk.policy.quoting import quoted
from appealdesk.policy.schema import (
    ClockDef,
    FilingVariant,
    Pack,
    Process,
    Rule,
    Window,
    holds,
    interpretation_warning,
    primary_window,
)
from appealdesk.policy.textmodel import TextModel
from appealdesk.policy.vocabulary import (
    RECEIVED,
    WINDOWLESS_REJECTIONS,
    WITHDRAWN_OUTCOMES,
    Channel,
)

EXPEDITABLE = frozenset({"expedited_appeal", "external_review"})
# units that count on the business-day calendar (named on the clock they compute)
CALENDAR_UNITS = frozenset({"business_days", "business_hours"})


class AssessError(ValueError):
    """Bad input: `field` names what to fix (exit code 2 / HTTP 422)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class Program:
    """A loaded pack with what assessing against it needs, built once per pack version."""

    def __init__(self, loaded: LoadedPack) -> None:
        self.loaded = loaded
        self.pack: Pack = loaded.pack
        self.tz = ZoneInfo(self.pack.time_zone)
        self.calendar = Calendar(self.pack.calendar, owner=loaded.key)
        self.patterns: Patterns = compile_patterns(self.pack)
        self.model = model_for(loaded)
        self.handlers = {
            hid: {
                "id": hid,
                "name": h.name,
                "role": h.role,
                "phone": h.phone,
                "tty": h.tty,
                "hours": h.hours,
                "mail": h.mail,
                "fax": h.fax,
                "fax_note": h.fax_note,
                "email": h.email,
                "email_accepted": h.email_accepted,
            }
            for hid, h in self.pack.handlers.items()
        }
        self.aliases: dict[str, str] = {}
        for process in self.pack.processes:
            for item in process.required:
                for name in (item.id, *item.aliases):
                    self.aliases[name.lower()] = item.id

    @cached_property
    def calendar_label(self) -> str:
        return f"{self.calendar.description} [{self.loaded.key}]"


_programs: dict[tuple[str, str], Program] = {}


def program_for(loaded: LoadedPack) -> Program:
    key = (loaded.key, loaded.sha256)
    found = _programs.get(key)
    if found is None:
        found = _programs[key] = Program(loaded)
    return found


@dataclass(slots=True)
class _Draft:
    kind: str
    disposition: str = "accept"
    level: int | None = None
    expedited: bool = False
    handler: str | None = None
    rejection: dict[str, str] | None = None


def assess(request: Mapping[str, Any], *, registry: PackRegistry | None = None) -> dict[str, Any]:
    """Assess one request (a dict in the shape of SPEC section 7) and return the proposal."""
    req = _validate(request)
    registry = registry or default_registry()
    arrived_at = parse_instant(req.received_at)
    program = _program_in_force(registry, req.program, arrived_at)
    return _Assessment(program, req, arrived_at).run()


def _validate(request: Mapping[str, Any]) -> AssessRequest:
    if not isinstance(request, Mapping):
        raise AssessError("request", "must be a JSON object")
    try:
        return AssessRequest.model_validate(request)
    except ValidationError as exc:
        err = exc.errors()[0]
        field = ".".join(str(p) for p in err["loc"]) or "request"
        message = err["msg"].removeprefix("Value error, ")
        if err["type"] == "missing":
            message = "is required" + (
                ", e.g. 2026-03-02T10:15:00-08:00" if field == "received_at" else ""
            )
        raise AssessError(field, message) from None


def _program_in_force(registry: PackRegistry, name: str, arrived_at: dt.datetime) -> Program:
    try:
        latest = registry.latest(name)
    except UnknownProgram as exc:
        raise AssessError("program", str(exc)) from None
    on = timecalc.local_date(arrived_at, ZoneInfo(latest.pack.time_zone))
    try:
        return program_for(registry.in_force(name, on))
    except NoVersionInForce as exc:
        raise AssessError("received_at", str(exc)) from None


class _Assessment:
    def __init__(self, program: Program, req: AssessRequest, arrived_at: dt.datetime) -> None:
        self.p = program
        self.pack = program.pack
        self.req = req
        self.arrived_at = arrived_at
        self.reasons: list[str] = []
        self.unknown: list[str] = []
        self.warnings: list[str] = []
        self.received_at, self.received_date = self._effective_receipt()
        self.facts: dict[str, Any] = {}
        self.expedited: bool | None = req.expedited  # as given, or proposed from the text
        self.kind_review: str | None = None
        self.written_from_channel: Channel | None = None  # `written` read from this channel
        self.interpretations: dict[str, list[str]] = {}  # a pack's reading -> what it decided

    # -- the pipeline ---------------------------------------------------------------------
    def run(self) -> dict[str, Any]:
        classification = self._classify()
        self._build_facts(classification)
        draft = self._kind()
        kind_status = self._kind_certainty(classification, draft)
        self._handler(draft)
        self._admit(draft)
        self._written_reading()
        process = self.pack.process_for(draft.kind, draft.level)
        filing = self._filing(draft, process)
        accepted = draft.disposition == "accept"
        deadlines = self._deadlines(process, draft) if accepted and process else []
        if self.kind_review is not None:
            for deadline in deadlines:
                deadline["provisional"] = True
        missing = (
            self._missing(process)
            if process and draft.disposition in ("accept", "informal")
            else []
        )
        next_level = self._next_level(process) if accepted and process else None
        notes = (
            [n.text for n in process.notes if holds(n, self.facts)]
            if process and draft.disposition in ("accept", "informal")
            else []
        )
        self.warnings.extend(
            interpretation_warning(subjects, text)
            for text, subjects in self.interpretations.items()
        )
        if self.req.model_extra:
            names = ", ".join(quoted(k) for k in sorted(self.req.model_extra))
            self.warnings.append(f"ignored unknown fields: {names}")
        return {
            "program": self.pack.program,
            "pack_version": self.pack.version,
            "received_at": timecalc.iso(self.received_at.astimezone(self.p.tz)),
            "received_date": self.received_date.isoformat(),
            "kind": draft.kind,
            "level": draft.level,
            "expedited": draft.expedited,
            "category": classification.category,
            "disposition": draft.disposition,
            "reasons": self.reasons,
            "handler": dict(self.p.handlers[draft.handler]) if draft.handler else None,
            "rejection": draft.rejection,
            "filing": filing,
            "deadlines": deadlines,
            "missing": missing,
            "next_level": next_level,
            "classification": {
                **classification.as_dict(),
                "kind": {"status": kind_status, "reason": self.kind_review},
            },
            "notes": notes,
            "unknown": self.unknown,
            "warnings": self.warnings,
        }

    def _effective_receipt(self) -> tuple[dt.datetime, dt.date]:
        """SPEC 3 receipt cut-off: after the local time, it is received the next business day."""
        local = self.arrived_at.astimezone(self.p.tz)
        for cutoff in self.pack.intake.receipt_cutoffs:
            if self.req.channel in cutoff.channels and local.time() > cutoff.after:
                day = self.p.calendar.add_business_days(local.date(), 1)
                self._warn_unsettled("the receipt cut-off", local.date(), day)
                self.reasons.append(
                    f"arrived by {self.req.channel} after {cutoff.after:%H:%M} local time, so it "
                    f"counts as received on {day.isoformat()} ({cutoff.source.cite()})"
                )
                return timecalc.start_of_local_day(day, self.p.tz), day
        return self.arrived_at, local.date()

    def _classify(self) -> Classification:
        category = self.req.category
        if category is not None:
            if category not in self.pack.categories:
                raise AssessError(
                    "category",
                    f"{quoted(category)} is not a category of {self.pack.program}; use one of: "
                    f"{', '.join(self.pack.categories)} (see `appealdesk packs show "
                    f"{self.pack.program}`)",
                )
            return given(self.pack, category)
        if self.p.model is not None:
            return self._classify_model(self.p.model)
        result = classify_text(self.pack, self.p.patterns, self.req.text)
        if result.status == "classified":
            self.reasons.append(
                f"category {result.category} proposed from the text (matched "
                f"{', '.join(repr(m) for m in result.matched)}; confidence {result.confidence})"
            )
        elif result.status == "needs_review":
            self.reasons.append(
                "the text does not settle the category: needs review by intake"
                + (f" (it reads as {result.category_class})" if result.category_class else "")
            )
            self.unknown.append("category")
        else:
            self.unknown.append("category")
        return result

    def _classify_model(self, model: TextModel) -> Classification:
        result = classify_model(self.pack, model, self.req.text)
        if result.status == "classified":
            words = ", ".join(repr(t) for t, _ in result.evidence) or "no single word"
            runner = result.runner_up
            self.reasons.append(
                f"category {result.category} proposed from the text (probability "
                f"{result.confidence}; the words {words}"
                + (f"; runner-up {runner[0]} {runner[1]}" if runner else "")
                + ")"
            )
        elif result.status == "needs_review":
            self.reasons.append(
                f"the text does not settle the category: needs review by intake "
                f"({result.review_reason})"
                + (f"; it reads as {result.category_class}" if result.category_class else "")
            )
            self.unknown.append("category")
        else:
            self.unknown.append("category")
        return result

    def _proposed_requested(self, c: Classification) -> str | None:
        """`requested` as given, or as the text proposes it (flagged when unsure)."""
        if self.req.requested is not None or c.requested is None:
            return self.req.requested
        proposal = c.requested
        self.reasons.append(
            f"requested not given: {proposal.value} proposed from the text (probability "
            f"{proposal.probability}"
            + (
                f"; the words {', '.join(repr(t) for t, _ in proposal.evidence)}"
                if proposal.evidence
                else ""
            )
            + ")"
        )
        if proposal.status != "proposed":
            self.unknown.append("requested")
        return proposal.value

    def _proposed_expedited(self, c: Classification) -> bool | None:
        """`expedited` as given, or True when the text asks for urgency in so many words."""
        proposal = c.expedited
        if self.req.expedited is not None or proposal is None:
            return self.req.expedited
        if proposal.value == "yes" and proposal.status == "proposed":
            words = ", ".join(repr(t) for t, _ in proposal.evidence)
            self.reasons.append(
                f"the text asks for urgent handling ({words}; probability "
                f"{proposal.probability}): the expedited track is proposed"
            )
            return True
        return None

    def _kind_certainty(self, c: Classification, draft: _Draft) -> str:
        """given | proposed | needs_review: whether the kind rests on proposals that could be
        otherwise. Every plausible reading of the text (category, requested, urgency) is run
        through the pack's kind rules; when they disagree, the kind needs intake's review and
        its clocks are provisional."""
        proposed_requested = self.req.requested is None and c.requested is not None
        proposed_expedited = self.req.expedited is None and c.expedited is not None
        if c.status in ("given", "unknown"):
            return "given"  # no text was read: the kind follows from what the request says
        if c.method != "model":
            return "proposed"  # the phrase matcher (no trained model) knows no alternatives
        categories: list[str | None] = list(c.plausible()) or [None]
        requested: list[str | None] = [self.facts["requested"]]
        if proposed_requested and c.requested is not None:
            requested = list(c.requested.plausible())
        urgent: list[bool | None] = [self.expedited]
        if proposed_expedited and c.expedited is not None:
            urgent = [True if v == "yes" else None for v in c.expedited.plausible()]
        outcomes: dict[tuple[str | None, str | None], str] = {
            (draft.kind, draft.disposition): "this reading"
        }
        for category in categories:
            for asked in requested:
                for exp in urgent:
                    outcome = self._kind_of(category, asked, exp)
                    outcomes.setdefault(
                        outcome, f"category {category or 'unknown'}, requested {asked}"
                    )
        doubts = []
        if c.status == "needs_review":
            doubts.append(f"the category needs review ({c.review_reason})")
        if proposed_requested and c.requested is not None and c.requested.status != "proposed":
            doubts.append(
                f"what is asked for is unclear ({c.requested.value} {c.requested.probability})"
            )
        if len(outcomes) > 1:
            others = [f"{k or 'none'} ({how})" for (k, _), how in list(outcomes.items())[1:]]
            doubts.append(f"the text could also be read as {', '.join(others)}")
        if not doubts:
            return "proposed"
        self.kind_review = (
            f"{draft.kind} is a proposal: {'; '.join(doubts)}. Its clocks are provisional "
            "until intake confirms the kind"
        )
        self.reasons.append(self.kind_review)
        return "needs_review"

    def _kind_of(
        self, category: str | None, requested: str | None, expedited: bool | None
    ) -> tuple[str | None, str | None]:
        """The kind and disposition the pack's rules give for one reading, without side effects."""
        facts = dict(self.facts)
        cat = self.pack.categories.get(category) if category else None
        facts.update(
            {
                "category": category,
                "category.class": cat.class_ if cat else self.facts["category.class"],
                "requested": requested,
                "expedited": expedited,
            }
        )
        if cat is not None and self.req.service is None:
            facts["service"] = cat.service
        rule = next((r for r in self.pack.rules.kind if holds(r, facts)), None)
        if rule is None:
            return None, None
        return rule.then.kind, rule.then.disposition or "accept"

    def _build_facts(self, c: Classification) -> None:
        req, pack = self.req, self.pack
        service = req.service
        if service is not None and service not in pack.services:
            if pack.services:
                raise AssessError(
                    "service",
                    f"{quoted(service)} is not a service of {pack.program}; use one of: "
                    f"{', '.join(pack.services)}",
                )
            self.warnings.append(
                f"service {quoted(service)} ignored: {pack.program} has no services"
            )
            service = None
        if service is None and c.category is not None:
            service = pack.categories[c.category].service
        written = req.written
        if written is None and req.channel is not None:
            written = req.channel in pack.intake.written_channels
            self.written_from_channel = req.channel
            self.reasons.append(
                f"taken as {'written' if written else 'not written'} because it came by "
                f"{req.channel.replace('_', ' ')}"
            )
        prior = req.prior
        if prior is not None and prior.outcome == "dismissed":
            self.warnings.append(
                "prior.outcome: 'dismissed' does not say why the earlier request was dismissed "
                "(SPEC 5.2); send dismissed_untimely, dismissed_not_appealable or "
                "dismissed_withdrawn, as the answer depends on it"
            )
        self.expedited = self._proposed_expedited(c)
        self.facts = {
            "requested": self._proposed_requested(c),
            "category": c.category,
            "category.class": c.category_class,
            "service": service,
            "channel": req.channel,
            "filed_by": req.filed_by,
            "written": written,
            "written_response_requested": req.written_response_requested,
            "expedited": self.expedited,
            "network_provider": req.network_provider,
            "level": req.level,
            "prior.given": prior is not None,
            "prior.kind": prior.kind if prior else None,
            "prior.level": prior.level if prior else None,
            "prior.outcome": prior.outcome if prior else None,
            "prior.action": prior.action if prior else None,
            "prior.plan_missed_deadline": prior.plan_missed_deadline if prior else None,
            "prior.good_cause": prior.good_cause if prior else None,
            "prior.process_failure": prior.process_failure if prior else None,
            "good_cause": req.good_cause,
        }

    def _first(self, rules: tuple[Rule, ...]) -> Rule | None:
        for rule in rules:
            if holds(rule, self.facts):
                self.reasons.append(f"{rule.reason} ({rule.source.cite()})")
                self._interpreted(rule)
                return rule
        return None

    def _interpreted(self, item: Rule | FilingVariant | ClockDef | object) -> None:
        """The item decided part of the answer: if it fills a gap of the seed, say how (once
        per reading, naming each place it decided)."""
        found = self.pack.interpretation_of(item)
        if found is not None:
            subjects = self.interpretations.setdefault(found.text, [])
            if found.subject not in subjects:
                subjects.append(found.subject)

    def _written_reading(self) -> None:
        """A channel read as written (or not) by a pack's interpretation decided the answer when
        the other reading would have matched other rules."""
        channel = self.written_from_channel
        reading = self.pack.intake.written_channel_notes.get(channel) if channel else None
        if reading is None:
            return
        other = {**self.facts, "written": not self.facts["written"]}
        if self._rules_matched(other) != self._rules_matched(self.facts):
            self._interpreted(reading)

    def _rules_matched(self, facts: Mapping[str, Any]) -> tuple[str | None, ...]:
        """The id of the rule each phase picks for these facts, without side effects."""
        facts = dict(facts)
        matched: list[str | None] = []
        for phase in (self.pack.rules.kind, self.pack.rules.handler, self.pack.rules.admission):
            rule = next((r for r in phase if holds(r, facts)), None)
            matched.append(rule.id if rule else None)
            if rule is not None and rule.then.kind is not None:
                facts["kind"] = rule.then.kind
        return tuple(matched)

    def _kind(self) -> _Draft:
        rule = self._first(self.pack.rules.kind)
        kind = rule.then.kind if rule is not None else None
        if rule is None or kind is None:
            raise AssessError(
                "requested",
                "cannot tell what this request is: give `requested` "
                "(complaint, appeal, grievance, external_review, clinical_appeal), a `category`, "
                "or the request's `text`",
            )
        then = rule.then
        draft = _Draft(kind=kind, disposition=then.disposition or "accept", handler=then.handler)
        if then.rejection is not None:
            draft.rejection = then.rejection.model_dump()
        # Only appeals and independent reviews have an expedited track (SPEC 2 and 4): a
        # complaint or grievance marked urgent is still a complaint or grievance.
        draft.expedited = (
            then.expedited
            if then.expedited is not None
            else bool(self.expedited) and kind in EXPEDITABLE
        )
        # A redirected request is decided elsewhere: it has no level of this program.
        draft.level = (
            None if draft.disposition == "redirect" else self._level(draft.kind, then.level)
        )
        # `expedited` stays unknown in the facts unless a rule decided it (admission rules ask).
        self.facts.update(kind=draft.kind, level=draft.level)
        if then.expedited is not None:
            self.facts["expedited"] = then.expedited
        return draft

    def _level(self, kind: str, from_rule: int | None) -> int | None:
        levels = self.pack.levels_of(kind)
        if not levels:
            return None
        if from_rule is not None:
            return from_rule
        level = self.req.level
        prior = self.req.prior
        if level is None:
            if prior is not None and prior.kind == kind and prior.level is not None:
                if prior.outcome in WITHDRAWN_OUTCOMES:
                    level = prior.level
                    self.reasons.append(
                        f"level {level} again: the level-{level} {kind} was withdrawn before "
                        "a decision, so there is no decision for a next level to follow"
                    )
                else:
                    level = prior.level + 1
                    step = (
                        "dismissal" if (prior.outcome or "").startswith("dismissed") else "decision"
                    )
                    self.reasons.append(
                        f"level {level} because it follows the level-{prior.level} {step}"
                    )
            else:
                level = levels[0]
                self.reasons.append(f"level not given and no earlier {kind} named: level {level}")
        if level not in levels:
            after = self.pack.process_for(kind, levels[-1])
            hint = ""
            if after is not None and after.next_level is not None:
                hint = f"; after level {levels[-1]} the next step is {after.next_level.kind}"
            raise AssessError(
                "level",
                f"{self.pack.program} {kind} levels are {', '.join(map(str, levels))}{hint}",
            )
        return level

    def _handler(self, draft: _Draft) -> None:
        if draft.handler is None:
            rule = self._first(self.pack.rules.handler)
            draft.handler = rule.then.handler if rule else None
        if draft.handler is None:
            self.unknown.append("service")
            self.reasons.append("no handler can be named until the service is known")

    def _admit(self, draft: _Draft) -> None:
        if draft.disposition != "accept":
            return
        rule = self._first(self.pack.rules.admission)
        if rule is None:
            return
        then = rule.then
        if then.disposition is not None:
            draft.disposition = then.disposition
        if then.rejection is not None:
            draft.rejection = then.rejection.model_dump()
        if then.expedited is not None:
            draft.expedited = then.expedited
            self.facts["expedited"] = then.expedited
        if then.handler is not None:
            draft.handler = then.handler

    def _filing(self, draft: _Draft, process: Process | None) -> dict[str, Any] | None:
        if process is None or draft.disposition == "redirect":
            return None
        code = draft.rejection["code"] if draft.rejection else None
        if code in WINDOWLESS_REJECTIONS:
            # nothing to be in time for: the matter cannot be appealed, or the decision letter
            # the window counts from does not exist yet
            return None
        variant = next((f for f in process.filing if holds(f, self.facts)), None)
        if code == "untimely":
            return self._closed(process, variant)
        windows = variant.all_windows if variant is not None else ()
        if variant is None or not windows:
            if variant is not None and variant.reason:
                cite = f" ({variant.source.cite()})" if variant.source else ""
                self.reasons.append(f"{variant.reason}{cite}")
                self._interpreted(variant)
            return None
        self._interpreted(variant)
        results = [self._window(draft, window) for window in windows]
        primary = next((r for r in results if r["direction"] == "not_after"), results[0])
        verdicts = [r["timely"] for r in results]
        filing = {
            "timely": False if False in verdicts else None if None in verdicts else True,
            "last_day": primary.get("last_day"),
            "rule": primary["rule"],
            "basis": primary["basis"],
            "basis_date": primary["basis_date"],
            "starts": primary["starts"],
        }
        if len(windows) > 1 or not windows[0].is_default:
            # additions (SPEC 7: additive only) for what a plain "no later than" cannot say
            first_day = next((r["first_day"] for r in results if "first_day" in r), None)
            filing.update(
                first_day=first_day,
                direction=primary["direction"],
                strength=primary["strength"],
                windows=results,
            )
        return filing

    def _window(self, draft: _Draft, window: Window) -> dict[str, Any]:
        """One window's verdict, and what falling outside it does to the request."""
        basis, basis_date = self._basis(window)
        day = (
            timecalc.window_day(basis_date, window.length, window.unit, self.p.calendar)
            if basis_date
            else None
        )
        late = window.direction == "not_after"
        timely = (
            None
            if day is None
            else (self.received_date <= day if late else self.received_date >= day)
        )
        result: dict[str, Any] = {
            "direction": window.direction,
            "strength": window.strength,
            "rule": window.rule,
            "basis": basis,
            "basis_date": basis_date.isoformat() if basis_date else None,
            "starts": window.starts,
            "last_day" if late else "first_day": day.isoformat() if day else None,
            "timely": timely,
            "source": window.source.cite(),
        }
        if basis_date is None:
            self.unknown.append(window.basis[0])
            self.reasons.append(
                f"cannot tell whether it is in time: {window.rule}, and "
                f"{' / '.join(window.basis)} was not given"
            )
        elif day is not None and not timely and self._refusable(draft, window):
            self._outside(draft, window, day)
        return result

    @staticmethod
    def _refusable(draft: _Draft, window: Window) -> bool:
        """Whether falling outside `window` decides the request: an accepted one, always; and
        late is late for anyone — a request from someone who may not file it is refused as
        untimely once a hard window has closed, since no one may file it any more (an informal
        answer is not a filing)."""
        if draft.disposition == "accept":
            return True
        hard_late = window.direction == "not_after" and window.strength == "hard"
        return hard_late and draft.disposition != "informal"

    def _outside(self, draft: _Draft, window: Window, day: dt.date) -> None:
        """A request outside a window: refused (hard), accepted with a warning (soft), or
        accepted only when it shows good cause (good_cause)."""
        late = window.direction == "not_after"
        received = self.received_date.isoformat()
        where = (
            f"after the last day to file, {day.isoformat()}"
            if late
            else f"before the first day it may be filed, {day.isoformat()}"
        )
        cite = window.source.cite()
        good_cause = self.req.good_cause
        if window.strength == "soft" or (window.strength == "good_cause" and good_cause):
            why = "good cause was shown" if window.strength == "good_cause" else "the rule lets it"
            self.reasons.append(
                f"received {where} ({window.rule}), accepted because {why} ({cite})"
            )
            self.warnings.append(
                f"received on {received}, {where} ({window.rule}): accepted because {why}; "
                "check that it should be taken"
            )
            return
        draft.disposition = "reject"
        message = f"Received on {received}, {where} ({window.rule}). {window.untimely}"
        if window.strength == "good_cause":
            if good_cause is None:
                self.unknown.append("good_cause")
                message += " It can be accepted if good cause is shown."
            else:
                message += " No good cause was shown."
        draft.rejection = {
            "code": "untimely" if late else "not_eligible_yet",
            "message": message,
        }
        self.reasons.append(
            f"{'not filed in time' if late else 'filed too early'}: {window.rule} ({cite})"
            + (
                "; good cause was not given, so it is refused unless it is shown"
                if window.strength == "good_cause" and good_cause is None
                else ""
            )
        )

    def _closed(self, process: Process, variant: FilingVariant | None) -> dict[str, Any]:
        """A rule refused the request as untimely before any window was counted (an earlier
        level came too late and closed the path): its filing says so, with no day in time."""
        window = primary_window(variant) if variant is not None else None
        window = window or _default_window(process)
        return {
            "timely": False,
            "last_day": None,
            "rule": window.rule if window else "no filing window",
            "basis": None,
            "basis_date": None,
            "starts": window.starts if window else "no filing window",
        }

    def _basis(self, window: Window) -> tuple[str | None, dt.date | None]:
        prior = self.req.prior
        for field in window.basis:
            if field.startswith("prior."):
                value = getattr(prior, field[6:], None) if prior is not None else None
            else:
                value = getattr(self.req, field, None)
            if value is not None:
                return field, parse_date(value)
        return None, None

    def _deadlines(self, process: Process, draft: _Draft) -> list[dict[str, Any]]:
        running = [c for c in process.clocks if holds(c, self.facts)]
        urgent = [c for c in running if c.track == "urgent"]
        if urgent and not draft.expedited:
            # the urgent track runs, so the request is expedited: the answer says so, and the
            # clocks are chosen again for an expedited request
            draft.expedited = True
            self.facts["expedited"] = True
            self.reasons.append(
                f"expedited: its urgent clocks run ({', '.join(c.id for c in urgent)}; "
                f"{urgent[0].source.cite()})"
            )
            running = [c for c in process.clocks if holds(c, self.facts)]
        for clock in running:
            self._interpreted(clock)
        return [self._clock(c) for c in running]

    def _clock(self, clock: ClockDef) -> dict[str, Any]:
        out: dict[str, Any] = {
            "clock": clock.id,
            "label": clock.label,
            "unit": clock.unit,
            "length": clock.length,
            "starts": clock.starts,
            "met_by": list(clock.met_by),
            "binding": clock.binding,
        }
        if clock.starts == RECEIVED:
            start: dt.datetime | None = self.received_at
        else:
            name = f"{clock.starts}_at"
            raw = self.req.events.get(name)
            start = parse_instant(raw) if raw else None
            if start is not None and start < self.arrived_at:
                raise AssessError(
                    f"events.{name}",
                    f"{raw} is before received_at "
                    f"{self.req.received_at}: an event of the request cannot "
                    "precede its receipt",
                )
        if clock.notice is not None:
            out["notice"] = self._notice(clock.notice)
        if clock.track == "urgent":
            out["track"] = "urgent"
        if clock.extension is not None:
            ext = clock.extension
            out["extension"] = {
                "by": list(ext.by),
                "requires": ext.requires,
                "consent_from": list(ext.consent_from),
                "reason": ext.reason,
            }
            if ext.up_to is not None:
                out["extension"]["up_to"] = {"length": ext.up_to.length, "unit": ext.up_to.unit}
        if start is None:
            out["state"] = "pending"
            return out
        due = self._due(clock.id, clock.unit, clock.length, start, clock.roll)
        for overlay in clock.overlays:
            other = self._due(clock.id, overlay.unit, overlay.length, start, clock.roll)
            if other.due_at < due.due_at:
                due = other
                out["governed_by"] = overlay.source.cite()
        out["state"] = "running"
        if clock.starts != RECEIVED:
            out["started_at"] = timecalc.iso(start.astimezone(self.p.tz))
        if due.due_date is not None:
            out["due_date"] = due.due_date.isoformat()
        out["due_at"] = timecalc.iso(due.due_at)
        if clock.unit == "immediate":
            out["due"] = "immediately"
        if clock.unit in CALENDAR_UNITS or clock.roll == "forward":
            out["calendar"] = self.p.calendar_label
        return out

    def _due(
        self, clock: str, unit: str, length: int, start: dt.datetime, roll: str
    ) -> timecalc.Due:
        due = timecalc.compute_due(
            unit=unit,
            length=length,
            start=start,
            tz=self.p.tz,
            calendar=self.p.calendar,
            roll=roll,
        )
        if due.due_date is not None and (unit == "business_days" or roll == "forward"):
            self._warn_unsettled(clock, timecalc.local_date(start, self.p.tz), due.due_date)
        return due

    def _warn_unsettled(self, what: str, first: dt.date, last: dt.date) -> None:
        """SPEC 3: a count of business days that reaches into a year whose holiday list is not
        published yet (projected from the statute's rules) is said, not silent."""
        calendar = self.p.calendar
        for year in calendar.unsettled_years(first, last):
            if calendar.year_status(year) == "projected":
                why = (
                    f"counted on the {calendar.id} holidays of {year}, projected from the "
                    f"statute's rules: {calendar.spec.authority} for {year} is not published "
                    "yet; check the date when it is"
                )
            else:
                why = f"the {calendar.id} calendar has no holidays for {year}: only weekends count"
            warning = f"{what} ({last}): {why}"
            if warning not in self.warnings:
                self.warnings.append(warning)

    def _notice(self, notice: str) -> str:
        if notice != "by_request":
            return notice
        if self.facts["written"] or self.req.written_response_requested:
            return "written"
        return "verbal"

    def _missing(self, process: Process) -> list[str]:
        provided: set[str] = set()
        for name in self.req.provided:
            item = self.p.aliases.get(name.strip().lower())
            if item is None:
                self.warnings.append(
                    f"provided: {quoted(name)} is not an item this program asks for"
                )
            else:
                provided.add(item)
        return [
            item.id
            for item in process.required
            if item.id not in provided and holds(item, self.facts)
        ]

    def _next_level(self, process: Process) -> dict[str, Any] | None:
        nxt = process.next_level
        if nxt is None:
            return None
        target = self.pack.process_for(nxt.kind, nxt.level)
        window = _default_window(target) if target else None
        out = {
            "kind": nxt.kind,
            "level": nxt.level,
            "window_days": window.length if window and window.unit == "calendar_days" else None,
            "window_years": window.length if window and window.unit == "years" else None,
            "starts": window.starts if window else "no filing window",
        }
        if window is not None and window.unit not in ("calendar_days", "years"):
            out.update(window_length=window.length, window_unit=window.unit)
        return out


def _default_window(process: Process) -> Window | None:
    """A process's usual window: the unconditional one, not a variant for a request that
    follows something else (a withdrawal); else its first."""
    windowed = [f for f in process.filing if f.all_windows]
    chosen = next((f for f in windowed if f.when is None), windowed[0] if windowed else None)
    return primary_window(chosen) if chosen else None
