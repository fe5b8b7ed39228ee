"""The NPI check digit (CMS, "Requirements for NPI check digit"): Luhn over 80840 and the
first nine digits. CMS's worked example is 123456789 with check digit 3."""

from __future__ import annotations

import pytest

from appealdesk.policy.identifiers import npi_valid


@pytest.mark.parametrize("npi", ["1234567893", "1245319599", "1003000126"])
def test_valid_npis(npi):
    assert npi_valid(npi)


@pytest.mark.parametrize(
    "npi",
    ["1234567890", "123456789", "12345678930", "12345678a3", "", " 234567893", "1234567839"],
)
def test_invalid_npis(npi):
    assert not npi_valid(npi)


def test_every_other_check_digit_of_a_valid_number_is_refused():
    for digit in "0123456789":
        candidate = "123456789" + digit
        assert npi_valid(candidate) == (digit == "3")
