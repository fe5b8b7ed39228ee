"""Rule conditions: the small `when:` language of policy packs.

A condition is a mapping of fact name to expected value, all of which must hold:

* a scalar matches that value (`expedited: true`);
* a list matches any of its values (`service: [medical, coe]`); `null` in it matches "not given";
* `{not: X}` matches anything X does not;
* the keys `any:` and `all:` hold lists of nested conditions.

Conditions are checked against the pack's vocabulary when the pack loads (an unknown fact or a
value the fact can never take is a load error with its path) and compiled to plain closures, so
evaluating one costs a few dictionary lookups.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from appealdesk.policy import vocabulary as v

Facts = Mapping[str, Any]
Predicate = Callable[[Facts], bool]

BOOL = frozenset({True, False})

# Fact name -> the values it may take (None = unknown is always allowed). Pack-defined domains
# (categories, category classes, services) are filled in per pack by `fact_domains`.
STATIC_DOMAINS: dict[str, frozenset[Any] | None] = {
    "requested": v.REQUESTED,
    "kind": v.KINDS,
    "level": None,
    "channel": v.CHANNELS,
    "filed_by": v.FILERS,
    "written": BOOL,
    "written_response_requested": BOOL,
    "expedited": BOOL,
    "network_provider": BOOL,
    "prior.given": BOOL,
    "prior.kind": v.KINDS,
    "prior.level": None,
    "prior.outcome": v.OUTCOMES,
    "prior.action": v.ACTIONS,
    "prior.plan_missed_deadline": BOOL,
    "prior.good_cause": BOOL,
    "prior.process_failure": BOOL,
    "good_cause": BOOL,
}


def fact_domains(
    categories: Sequence[str], classes: Sequence[str], services: Sequence[str]
) -> dict[str, frozenset[Any] | None]:
    return {
        **STATIC_DOMAINS,
        "category": frozenset(categories),
        "category.class": frozenset(classes),
        "service": frozenset(services),
    }


class ConditionError(ValueError):
    """A condition that cannot be compiled; `path` is where inside the condition."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}" if path else message)
        self.path = path
        self.message = message


def compile_condition(
    raw: Mapping[str, Any] | None, domains: Mapping[str, frozenset[Any] | None], path: str = ""
) -> Predicate:
    if raw is None:
        return lambda _facts: True
    if not isinstance(raw, Mapping):
        raise ConditionError(
            path, "a condition must be a mapping of fact: value — e.g. {category: wait_time}"
        )
    tests: list[Predicate] = []
    for key, expected in raw.items():
        where = f"{path}.{key}" if path else str(key)
        if key in ("any", "all"):
            if not isinstance(expected, list) or not expected:
                raise ConditionError(
                    where,
                    f"'{key}' takes a non-empty list of conditions — e.g. "
                    f"{key}: [{{expedited: true}}, {{category: wait_time}}]",
                )
            parts = [
                compile_condition(item, domains, f"{where}[{i}]") for i, item in enumerate(expected)
            ]
            tests.append(_any(parts) if key == "any" else _all(parts))
            continue
        if key not in domains:
            known = ", ".join(sorted([*domains, "any", "all"]))
            raise ConditionError(where, f"unknown fact '{key}' — use one of: {known}")
        tests.append(_compile_value(key, expected, domains[key], where))
    return _all(tests)


def _compile_value(
    fact: str, expected: Any, domain: frozenset[Any] | None, where: str
) -> Predicate:
    negate = False
    if isinstance(expected, Mapping):
        if set(expected) != {"not"}:
            raise ConditionError(
                where, "a mapping value must be {not: value-or-list} — e.g. {not: [a, b]}"
            )
        negate, expected = True, expected["not"]
    values = frozenset(expected) if isinstance(expected, list) else frozenset([expected])
    if domain is not None:
        # bool is an int in Python: compare by type so `true` never matches a level of 1.
        bad = [x for x in values if x is not None and not _in_domain(x, domain)]
        if bad:
            allowed = ", ".join(sorted(map(str, domain)))
            raise ConditionError(
                where, f"{bad[0]!r} is not a value of '{fact}' — use one of: {allowed}"
            )
    if negate:
        return lambda facts: not _member(facts.get(fact), values)
    return lambda facts: _member(facts.get(fact), values)


def _in_domain(value: Any, domain: frozenset[Any]) -> bool:
    return any(value == d and type(value) is type(d) for d in domain)


def _member(value: Any, values: frozenset[Any]) -> bool:
    if isinstance(value, bool):
        return any(x is value for x in values)
    return value in values and not any(x is True or x is False for x in values if x == value)


def _all(parts: list[Predicate]) -> Predicate:
    if len(parts) == 1:
        return parts[0]
    return lambda facts: all(p(facts) for p in parts)


def _any(parts: list[Predicate]) -> Predicate:
    return lambda facts: any(p(facts) for p in parts)
