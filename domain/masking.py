"""Take personal numbers and addresses out of free text before it is stored.

Staff write about real children and colleagues; a summary must never carry a national identity
number, a phone number or an e-mail address. What is masked:

- Norwegian national identity numbers (fødselsnummer, D-number: the first digit raised by 4):
  11 digits, or 6 + space + 5, whose two mod-11 check digits are both valid.
- Any other bare 11-digit number in those two shapes, as "[nummer]". We mask it too: the likeliest
  11-digit number in a reflection is an identity number with a typo, still enough to find a
  child, and nothing a reflection needs is an 11-digit number. Account numbers written the usual
  way (1234 56 78903, 1234.56.78903) have another shape and are left alone.
- Norwegian phone numbers: 8 digits starting with 2-9, optionally after +47 or 0047, written
  together or as 912 34 567, 91 23 45 67, or (mobile, 4 or 9 first) 9123 4567.
- Other international numbers written with +country code: 7 to 15 digits.
- E-mail addresses.

Left alone: years, dates (17.05.2026, and 8 digits that read as a date: 17052026, 20260517),
times, class names (7B), small numbers and amounts ("25 000 000 kr", "kr 12000000").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

NATIONAL_ID = "national_id"
LONG_NUMBER = "long_number"
PHONE = "phone"
EMAIL = "email"

TOKENS = {
    NATIONAL_ID: "[fødselsnummer]",
    LONG_NUMBER: "[nummer]",
    PHONE: "[telefonnummer]",
    EMAIL: "[e-post]",
}

_FIRST_WEIGHTS = (3, 7, 6, 1, 8, 9, 4, 5, 2)
_SECOND_WEIGHTS = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)

# A number starts where no word character, '+' or '@' stands before it and it does not continue
# a number written with separators (2026-12345678, 3.14159265); likewise at its end. The end
# refuses everything a match may start with, as the start refuses everything a match may end
# with: otherwise masking one of two glued numbers would free the other for a second pass.
_START = r"(?<![\w+@])(?<![0-9][.,:/-])"
_END = r"(?![\w+@])(?![.,:/-][0-9+])"

# An address never starts with a dot, so one right after another address is masked too.
_EMAIL = re.compile(r"(?<![\w+-])[\w+-][\w.+-]*@[\w-]+(?:\.[\w-]+)*\.[^\W\d_]{2,}(?![\w+@-])")
_ELEVEN_DIGITS = re.compile(_START + r"([0-9]{6}) ?([0-9]{5})" + _END)
_NORWEGIAN_PHONE = re.compile(
    _START
    + r"(?P<prefix>(?:\+|00)47 ?)?"
    + r"(?P<number>[2-9][0-9]{7}|[2-9][0-9]{2} [0-9]{2} [0-9]{3}|[2-9][0-9](?: [0-9]{2}){3}"
    + r"|[49][0-9]{3} [0-9]{4})"
    + _END
)
_INTERNATIONAL_PHONE = re.compile(
    _START + r"\+[1-9][0-9]{0,2}(?:[ -]?\(0\))?(?:[ -]?[0-9]){6,12}" + _END
)
_AMOUNT_BEFORE = re.compile(r"(?:kr\.?|nok)\s*$", re.IGNORECASE)
_AMOUNT_AFTER = re.compile(r"^\s*(?:kr\b|nok\b|,-)", re.IGNORECASE)


@dataclass(frozen=True)
class MaskResult:
    text: str
    masked: tuple[str, ...]  # the kinds found, each once, in the order of TOKENS


def mask(text: str) -> MaskResult:
    """`text` with every personal number and address replaced by a readable token."""
    found: set[str] = set()

    def replace(kind: str) -> str:
        found.add(kind)
        return TOKENS[kind]

    text = _EMAIL.sub(lambda _: replace(EMAIL), text)
    text = _ELEVEN_DIGITS.sub(
        lambda m: replace(NATIONAL_ID if is_national_id(m[1] + m[2]) else LONG_NUMBER), text
    )
    text = _NORWEGIAN_PHONE.sub(
        lambda m: m[0] if _is_date_or_amount(m) else replace(PHONE),
        text,
    )
    text = _INTERNATIONAL_PHONE.sub(lambda _: replace(PHONE), text)
    return MaskResult(text, tuple(kind for kind in TOKENS if kind in found))


def is_national_id(digits: str) -> bool:
    """True for 11 digits whose two mod-11 check digits are right (birth or D-number alike)."""
    if len(digits) != 11 or not digits.isascii() or not digits.isdigit():
        return False
    values = [int(digit) for digit in digits]
    first = check_digit(values[:9], _FIRST_WEIGHTS)
    second = check_digit([*values[:9], values[9]], _SECOND_WEIGHTS)
    return first == values[9] and second == values[10]


def check_digit(digits: list[int], weights: tuple[int, ...]) -> int | None:
    """The mod-11 check digit for `digits`, or None where none exists (a remainder of 1)."""
    remainder = sum(d * w for d, w in zip(digits, weights, strict=True)) % 11
    digit = (11 - remainder) % 11
    return None if digit == 10 else digit


def _is_date_or_amount(match: re.Match[str]) -> bool:
    number = match["number"]
    if match["prefix"] is None and number.isdigit():
        day_first = _is_date(number[:2], number[2:4], number[4:])
        if day_first or _is_date(number[6:], number[4:6], number[:4]):
            return True
    before = match.string[max(0, match.start() - 5) : match.start()]
    after = match.string[match.end() : match.end() + 5]
    return bool(_AMOUNT_BEFORE.search(before) or _AMOUNT_AFTER.match(after))


def _is_date(day: str, month: str, year: str) -> bool:
    if not 1900 <= int(year) <= 2099:
        return False
    try:
        date(int(year), int(month), int(day))
    except ValueError:
        return False
    return True
