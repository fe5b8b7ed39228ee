"""`appealdesk packs new NAME`: a commented pack that loads and passes its own cases as
written, its cases file, and the source document its citations will quote."""

from __future__ import annotations

import importlib.metadata
import re
from pathlib import Path

from appealdesk.policy.loader import CASES_SUFFIX
from appealdesk.policy.schema import ID

PACK = """\
# {name}: a policy pack (docs/packs.md describes every key; docs/tutorial-pack.md builds one).
# Check it:  appealdesk packs validate {name}.yaml
# Test it:   appealdesk packs test {name}.yaml          (runs {name}.cases.yaml)
# Load it:   export APPEALDESK_PACK_DIRS=$PWD           (then `appealdesk packs list`)
#
# Every rule cites where it comes from: `seed:` quotes the source document verbatim (checked on
# load), `law:` names a statute or regulation, `spec:` the product specification. Replace the
# `law:` placeholders below with `seed:` quotes of seeds/{name}.txt once its text is in.
program: {name}
name: "{name} (the program's name as people read it)"
version: "1"
effective_from: 2026-01-01     # requests received on or after this local date use this version
time_zone: America/New_York    # an IANA zone: local dates and business hours are this zone's
seed_document: seeds/{name}.txt   # relative to this file; see "Source documents" in docs/packs.md

calendar:
  id: federal
  weekend: [sat, sun]
  # holidays from the `holidays` library, pinned to the release the calendar was checked with
  holidays: {{country: US, package_version: "{holidays}"}}
  # added: [{{date: 2026-12-24, name: Office closed, source: {{law: …}}}}]   removed: [...]
  # opening_hours: {{opens: '09:00', closes: '17:30', source: {{law: …}}}}   # for business_hours
  source: {{law: "the law that names the program's holidays"}}

intake:
  written_channels: [mail, fax, email, portal]   # channels that count as written

events: {{}}   # events clocks may start at besides `received`, e.g. {{investigation_concluded: …}}

handlers:
  complaints-unit:
    name: Complaints unit
    role: Receives, investigates and answers grievances
    source: {{law: "the section that says who answers"}}

categories:
  service:
    label: Dissatisfaction with service
    class: grievance   # the kind rules below test `category.class`
    phrases: [rude, waited, never called back]   # the text classifier's words for it
    source: {{law: "the section that defines a grievance"}}

rules:
  kind:        # first match wins: what the request is
    - id: grievance
      when: {{category.class: [grievance, null]}}
      then: {{kind: grievance}}
      reason: a complaint about service is a grievance
      source: {{law: "the section that defines a grievance"}}
  handler:     # first match wins: who handles it
    - id: complaints-unit
      then: {{handler: complaints-unit}}
      reason: the complaints unit answers grievances
      source: {{law: "the section that says who answers"}}
  admission: []   # first match wins: rejections with their code (not_eligible_requester, …)

processes:
  - kind: grievance
    label: Grievance
    filing:
      - window:
          basis: [occurrence_date]   # notice_date, occurrence_date or prior.letter_date
          length: 60
          unit: calendar_days        # calendar_days | business_days | months | years
          direction: not_after       # not_after (no later than) | not_before (no earlier than)
          strength: hard             # hard (refuse) | soft (accept, warn) | good_cause
          rule: 60 days after the event
          starts: date of the event
          untimely: A grievance must be filed within 60 days of the event.
          source: {{law: "the section that sets the filing deadline"}}
    clocks:
      - id: resolve
        label: Resolve the grievance and tell the person
        unit: calendar_days   # immediate | minutes | hours | business_hours | calendar_days
        length: 30            #   | business_days | months | years  (immediate: no length)
        met_by: [notified_verbal, notified_written]
        notice: by_request    # written | verbal | by_request (written when asked or written)
        # track: urgent       # an urgent clock makes the request expedited when it runs
        # extension: {{by: [plan], requires: notice, up_to: {{length: 14, unit: calendar_days}},
        #              source: {{law: …}}}}
        source: {{law: "the section that sets the answer deadline"}}
    required: []   # items the request must contain, each {{id:, label:, source:}}
    notes: []      # sentences intake reads, each {{text:, source:}}
"""

CASES = """\
# Worked cases for {name}.yaml: `appealdesk packs test {name}.yaml` runs them.
# Work each case by hand from the source, and cite the sentence it comes from.
defaults: {{channel: mail, category: service}}
cases:
  - name: a grievance on the 60th day after the event is in time
    source: {{law: "the section that sets the filing deadline"}}
    request: {{received_at: "2026-03-02T10:15:00-05:00", occurrence_date: 2026-01-01}}
    expect:
      kind: grievance
      disposition: accept
      filing: {{timely: true, last_day: 2026-03-02}}
      deadlines: {{resolve: {{due_date: 2026-04-01, due_at: "2026-04-01T23:59:59-04:00"}}}}
  - name: a grievance on the 61st day is refused as untimely
    source: {{law: "the section that sets the filing deadline"}}
    request: {{received_at: "2026-03-03T10:15:00-05:00", occurrence_date: 2026-01-01}}
    expect:
      disposition: reject
      rejection: untimely
      deadlines: []
"""

SOURCE = """\
# {name}: the source document of this pack. Paste the text of the rules the pack encodes
# (the regulation, the plan's notice, the contract) below this header. Every `seed:` citation
# in {name}.yaml and {name}.cases.yaml must be a verbatim passage of this file.
"""


class SkeletonError(ValueError):
    """`packs new` cannot write the files: `field` names the argument to change."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


def write_skeleton(name: str, folder: Path, source: Path | None = None) -> list[Path]:
    """Write NAME.yaml, NAME.cases.yaml and seeds/NAME.txt into `folder`; never overwrites."""
    if not re.match(ID, name):
        suggestion = re.sub(r"[^a-z0-9_-]+", "-", name.lower()).strip("-_") or "my-program"
        raise SkeletonError(
            "NAME",
            f"{name!r} is not a program id — ids are lower case letters, digits, '-' and '_', "
            f"starting with a letter, e.g. {suggestion}",
        )
    pack = folder / f"{name}.yaml"
    cases = folder / f"{name}{CASES_SUFFIX}"
    seed = folder / "seeds" / f"{name}.txt"
    existing = [p for p in (pack, cases, seed) if p.exists()]
    if existing:
        raise SkeletonError(
            "NAME",
            f"{', '.join(map(str, existing))} already exist(s) — choose another name or folder",
        )
    text = SOURCE.format(name=name)
    if source is not None:
        try:
            text += source.read_text(encoding="utf-8")
        except OSError as exc:
            raise SkeletonError("--source", f"cannot read {source}: {exc.strerror}") from None
    values = {
        "name": name,
        "holidays": importlib.metadata.version("holidays"),
    }
    seed.parent.mkdir(parents=True, exist_ok=True)
    pack.write_text(PACK.format(**values), encoding="utf-8")
    cases.write_text(CASES.format(**values), encoding="utf-8")
    seed.write_text(text, encoding="utf-8")
    return [pack, cases, seed]
