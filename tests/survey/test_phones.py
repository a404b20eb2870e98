"""Phone numbers: normalised, encrypted, hashed and masked."""
from __future__ import annotations

import pytest

from worklog.survey import phones


@pytest.mark.parametrize("raw, expected", [
    ("13800138000", "13800138000"),
    ("+86 138-0013-8000", "13800138000"),
    ("0086 138 0013 8000", "13800138000"),
    ("(010) 6552-1234", "01065521234"),
    ("（0571）8765-4321", "057187654321"),
    ("+86 571 8765 4321", "057187654321"),      # the area code's 0 left out after the country code
    ("6552 1234", "65521234"),                 # a local number
    ("655-1234", "6551234"),
    (13800138000, "13800138000"),
])
def test_normalise_drops_separators_and_the_country_code(raw, expected):
    assert phones.normalise(raw) == expected


@pytest.mark.parametrize("raw", ["", None, "abc", "123456", "1380013800012", "138O0138000", "１３８００１３８０００",
                                 "+1 212 555 0100 99", "+86",
                                 "13912345678.0",       # a spreadsheet's decimal, not a 12-digit number
                                 "0571.8765.4321",      # the dot is no separator
                                 "12912345678",         # 11 digits but no mobile: 1[3-9]
                                 "57187654321",         # a landline that lost its leading 0
                                 "1065521234",          # the same, in Beijing
                                 "0123456",             # too short for a landline with its area code
                                 "0571876543210",       # too long
                                 "1234567", "01234567",  # a local number begins with neither 1 nor 0
                                 "123456789", True])
def test_normalise_refuses_what_is_not_a_number(raw):
    with pytest.raises(phones.InvalidPhone):
        phones.normalise(raw)


def test_mask_shows_the_last_four_digits_only():
    assert phones.mask("8000") == "****8000"
    assert phones.mask("") == "—" and phones.mask(None) == "—"


def test_protect_round_trip_and_hash(app):
    cipher, phone_hash, last4 = phones.protect("+86 138 0013 8000")
    assert "13800138000" not in cipher and "13800138000" not in phone_hash
    assert phones.decrypt(cipher) == "13800138000" and last4 == "8000"
    assert phones.protect("138-0013-8000")[1] == phone_hash           # equal numbers, equal hashes
    assert phones.protect("138-0013-8000")[0] != cipher                # but never the same ciphertext
    assert phones.protect("13800138001")[1] != phone_hash
    assert phones.decrypt(None) is None and phones.decrypt("not a token") is None
    app.config["PHONE_KEY"] = "another key"
    assert phones.decrypt(cipher) is None                              # another key cannot read it
    assert phones.protect("13800138000")[1] != phone_hash


@pytest.mark.parametrize("text, expected", [
    ("Call me on 13987654321 please", "Call me on ****4321 please"),
    ("139 8765 4321 or 139-8765-4322", "****4321 or ****4322"),
    ("(0571) 8765-4321", "****4321"),  # the area code too: it narrows the number down
    ("room 2345678", "room ****5678"),  # a local landline
    ("room 1234567", "room 1234567"),  # no phone begins 1 and has 7 digits
    ("row 12, case 123456, 2 people", "row 12, case 123456, 2 people"),
    ("two  spaces 1398  7654321", "two  spaces ****4321"),
    ("came on 2026-09-04, called 2026-9-4", "came on 2026-09-04, called 2026-9-4"),  # dates stay
    ("2026-09-04 13987654321", "2026-09-04 ****4321"),
    ("", ""),
])
def test_redact_masks_phone_numbers(text, expected):
    assert phones.redact(text) == expected
