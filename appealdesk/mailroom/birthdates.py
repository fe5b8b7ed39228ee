"""Dates of birth in a letter, fax or e-mail, and whether a member's name is written near one.

A date counts as a date of birth only after a label that says so ("DOB:", "D.O.B.", "Date of
birth", "Birth date", "born", "Fecha de nacimiento", "F. nac."): a request is full of other
dates (of service, of the notice, of the letter). Written as 01/02/1960, 1/2/60, 1960-01-02,
January 2, 1960, Jan. 2nd 1960, 2 January 1960 or 2 de enero de 1960. A numeric date is read
month first (the United States' order) unless the first number cannot be a month; after a
Spanish label it is read both ways (01/02/1960 after "fecha de nacimiento" is 1 February in
Spanish usage, 2 January in a US form's): the member's own date of birth tells which. No Django.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass

_MONTHS_EN = [
    *("january", "february", "march", "april", "may", "june"),
    *("july", "august", "september", "october", "november", "december"),
]
_MONTHS_ES = [
    *("enero", "febrero", "marzo", "abril", "mayo", "junio"),
    *("julio", "agosto", "septiembre", "octubre", "noviembre", "diciembre"),
]
_MONTH = {name: n for n, name in enumerate(_MONTHS_EN, 1)} | {
    name[:3]: n for n, name in enumerate(_MONTHS_EN, 1)
}
_MONTH |= {"sept": 9} | {name: n for n, name in enumerate(_MONTHS_ES, 1)} | {"setiembre": 9}

_EN_MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sept?|oct|nov|dec)[a-z]*\.?"
_ES_MONTH = "|".join([*_MONTHS_ES, "setiembre"])
_LABEL = re.compile(
    r"(?P<label>\bd\.?\s?o\.?\s?b\b\.?|\bdate\s+of\s+birth\b|\bbirth\s?date\b|\bborn(?:\s+on)?\b"
    r"|\bfecha\s+de\s+nacimiento\b|\bf\.?\s?(?:de\s)?nac\b\.?|\bnacid[oa](?:\s+el)?\b)"
    r"[\s:#.\-–]{0,6}"
    r"(?:(?P<iso>\d{4})-(?P<iso_m>\d{1,2})-(?P<iso_d>\d{1,2})\b"
    r"|(?P<a>\d{1,2})[/.\-](?P<b>\d{1,2})[/.\-](?P<y>\d{4}|\d{2})\b"
    rf"|(?P<en_m>{_EN_MONTH})\s+(?P<en_d>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<en_y>\d{{4}})\b"
    rf"|(?P<d_en>\d{{1,2}})(?:st|nd|rd|th)?\s+(?P<m_en>{_EN_MONTH}),?\s+(?P<y_en>\d{{4}})\b"
    rf"|(?P<es_d>\d{{1,2}})\s+de\s+(?P<es_m>{_ES_MONTH})\s+del?\s+(?P<es_y>\d{{4}})\b)",
    re.IGNORECASE,
)
NEAR = 160  # characters either side of a date of birth in which its member's name is looked for


@dataclass(frozen=True)
class BirthDate:
    date: dt.date
    start: int  # where the label starts in the text
    end: int  # where the date ends


def birth_dates(text: str, *, today: dt.date | None = None) -> list[BirthDate]:
    """Every labelled date of birth in the text that is a real date between 1900 and today."""
    today = today or dt.date.today()
    found = []
    for match in _LABEL.finditer(text):
        for date in _dates(match, today):
            if dt.date(1900, 1, 1) <= date <= today:
                found.append(BirthDate(date, match.start(), match.end()))
    return found


def _dates(match: re.Match[str], today: dt.date) -> list[dt.date]:
    """The readings of a labelled date (two for a numeric one after a Spanish label)."""
    g = match.groupdict()
    if g["iso"]:
        readings = [(g["iso"], g["iso_m"], g["iso_d"])]
    elif g["a"]:
        year, first, second = str(_year(g["y"], today)), g["a"], g["b"]
        readings = [(year, first, second), (year, second, first)]  # month first, day first
        if re.search(r"fecha|nac", g["label"], re.IGNORECASE) is not None:
            readings.reverse()
        elif int(first) <= 12:
            readings = readings[:1]
    elif g["en_m"]:
        readings = [(g["en_y"], str(_month(g["en_m"])), g["en_d"])]
    elif g["m_en"]:
        readings = [(g["y_en"], str(_month(g["m_en"])), g["d_en"])]
    else:
        readings = [(g["es_y"], str(_month(g["es_m"])), g["es_d"])]
    dates = []
    for year, month, day in readings:
        try:
            date = dt.date(int(year), int(month), int(day))
        except ValueError:  # 02/30/1960
            continue
        if date not in dates:
            dates.append(date)
    return dates


def _year(written: str, today: dt.date) -> int:
    if len(written) == 4:
        return int(written)
    # a two-digit year of birth is in the past: '60 is 1960, '05 is 2005 (until 2105)
    year = 2000 + int(written)
    return year if year <= today.year else year - 100


def _month(written: str) -> int:
    word = written.lower().rstrip(".")
    return _MONTH.get(word) or _MONTH.get(word[:3]) or 0  # 0: no such month, not a date


def _words(text: str) -> list[str]:
    plain = unicodedata.normalize("NFKD", text)
    plain = "".join(ch for ch in plain if not unicodedata.combining(ch))
    return re.findall(r"[a-z]+", plain.lower())


def name_near(name: str, text: str, birth: BirthDate) -> bool:
    """Whether each word of the name (of two letters or more; accents and case aside) is
    written within NEAR characters of the date of birth: "Ana M. Ruiz", "RUIZ, ANA" and
    "Patient: Ana Ruiz ... DOB" all name Ana Ruiz."""
    wanted = {w for w in _words(name) if len(w) > 1}
    around = set(_words(text[max(0, birth.start - NEAR) : birth.end + NEAR]))
    return bool(wanted) and wanted <= around
