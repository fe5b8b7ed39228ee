"""Identifiers checked by their own rules, pure Python (the portal's registration and the desk's
intake both check a provider's NPI with this one function)."""

from __future__ import annotations


def npi_valid(npi: str) -> bool:
    """A National Provider Identifier: 10 digits whose last is the Luhn check digit computed
    over the prefix 80840 and the first nine (CMS, "Requirements for NPI check digit")."""
    if len(npi) != 10 or not npi.isdigit():
        return False
    digits = [int(c) for c in "80840" + npi]
    total = 0
    for i, d in enumerate(reversed(digits)):
        if i % 2 == 1:
            d *= 2
            d = d - 9 if d > 9 else d
        total += d
    return total % 10 == 0
