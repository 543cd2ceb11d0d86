"""Take personal numbers and addresses out of free text before it is stored.

Staff write about real children and colleagues; a summary must never carry a national identity
number, a phone number or an e-mail address. Every rule looks at the text after NFKC (full-width
digits and ＠, no-break and thin spaces become plain ones) with invisible format characters
(zero-width space, soft hyphen) dropped, and masks the matching stretch of the text as written.

- Norwegian national identity numbers (fødselsnummer, D- and H-numbers): 11 digits, written
  together, glued to letters (fnr01019012480) or with up to two separators (space, dot, dash,
  slash) between any digits (010190-12480, 010 190 12480, 01.01.90 12480), whose two check
  digits and birth date python-stdnum accepts.
- Any other 11-digit number written together or as 6 + separator + 5, as "[nummer]": the likeliest
  such number in a reflection is an identity number with a typo, still enough to find a child.
  Account numbers written the usual way (1234 56 78903) have another shape and are left alone.
- Phone numbers that the phonenumbers library finds and holds valid (region NO): 912 34 567,
  912-34-567, 9 1 2 3 4 5 6 7, 0047-91234567, +46 70 123 45 67 ...
- Numbers written with +country code that the library holds invalid (+1 555 ...): 7 to 15 digits.
- E-mail addresses, also with spaces around @ and with (at), [at], (dot) and the like; the whole
  address goes, o'brien@skole.no included.

Left alone: years, dates (17.05.2026, and 8 digits that read as a date: 17052026, 20260517),
times, class names (7B), small numbers, percentages and amounts ("kr 45000000").
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date

from phonenumbers import Leniency, PhoneNumberMatcher
from stdnum.exceptions import ValidationError
from stdnum.no import fodselsnummer

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

# A free-standing number has no word character, '+' or '@' before it and does not continue a
# number written with separators (2026-12345678, 3.14159265); likewise at its end.
_FREE_START = re.compile(r"(?<![\w+@])(?<![0-9][.,:/-])")
_FREE_END = re.compile(r"(?![\w+@])(?![.,:/-][0-9+])")

_SEPARATOR = r"[ \t./\-\u2010-\u2015\u2212]"
_ID_CANDIDATE = re.compile(r"(?<![0-9])[0-9](?:" + _SEPARATOR + r"{0,2}[0-9]){10}(?![0-9])")
_ID_SHAPE = re.compile(r"[0-9]{6}" + _SEPARATOR + r"{0,2}[0-9]{5}")
_INTERNATIONAL_PHONE = re.compile(r"\+[1-9](?:[ .\-]{0,2}\(?[0-9]\)?){6,14}")

_LOCAL_PART = r"[\w.+'’!#$%&*^`{|}~-]+"
_OPEN, _CLOSE = r"[ \t]*[(\[{<][ \t]*", r"[ \t]*[)\]}>][ \t]*"
_AT = r"(?:[ \t]{0,3}@[ \t]{0,3}|" + _OPEN + r"(?:at|alfakrøll|krøll)" + _CLOSE + ")"
_DOT = r"(?:\.|" + _OPEN + r"(?:dot|punktum|prikk)" + _CLOSE + ")"
_LABEL = r"[\w-]+"
_TOP_LABEL = r"(?=[\w-]{2})[\w-]*[^\W\d_][\w-]*"
_EMAIL = re.compile(
    _LOCAL_PART + _AT + _LABEL + "(?:" + _DOT + _LABEL + ")*" + _DOT + _TOP_LABEL + r"(?![\w@-])",
    re.IGNORECASE,
)
_AMOUNT_BEFORE = re.compile(r"(?:kr\.?|nok)\s*$", re.IGNORECASE)
_AMOUNT_AFTER = re.compile(r"^\s*(?:kr\b|nok\b|,-)", re.IGNORECASE)

Span = tuple[int, int, str]  # start, end and kind, in the normalised text


@dataclass(frozen=True)
class MaskResult:
    text: str
    masked: tuple[str, ...]  # the kinds found, each once, in the order of TOKENS


def mask(text: str) -> MaskResult:
    """`text` with every personal number and address replaced by a readable token."""
    found: set[str] = set()
    while True:  # to a fixpoint: masking a number glued to an address can free the address
        before = text
        for find in (_emails, _identity_numbers, _phone_numbers, _international_numbers):
            text = _replace(text, find, found)
        if text == before:
            break
    return MaskResult(text, tuple(kind for kind in TOKENS if kind in found))


def is_national_id(digits: str) -> bool:
    """True for 11 digits with right check digits and a birth date (birth, D- or H-number)."""
    if len(digits) != 11 or not digits.isascii() or not digits.isdigit():
        return False
    if digits[9] != fodselsnummer.calc_check_digit1(digits[:9]):
        return False
    if digits[10] != fodselsnummer.calc_check_digit2(digits[:10]):
        return False
    try:
        fodselsnummer.get_birth_date(digits)  # stdnum's validate() would also read the clock
    except ValidationError:
        return False
    return True


def _replace(text: str, find: Callable[[str], Iterator[Span]], found: set[str]) -> str:
    normalised, origin = _normalise(text)
    pieces: list[str] = []
    done = 0
    for start, end, kind in find(normalised):
        first, last = origin[start], origin[end - 1] + 1
        if first < done:
            continue  # one written character became several, and an earlier match took it
        pieces += [text[done:first], TOKENS[kind]]
        found.add(kind)
        done = last
    return "".join(pieces) + text[done:] if pieces else text


def _normalise(text: str) -> tuple[str, list[int]]:
    """The text as the rules read it, and for each of its characters the index it came from."""
    if text.isascii():
        return text, list(range(len(text)))
    characters: list[str] = []
    origin: list[int] = []
    for index, character in enumerate(text):
        if unicodedata.category(character) == "Cf":
            continue
        for normalised in unicodedata.normalize("NFKC", character):
            characters.append(normalised)
            origin.append(index)
    return "".join(characters), origin


def _emails(text: str) -> Iterator[Span]:
    for match in _EMAIL.finditer(text):
        yield match.start(), match.end(), EMAIL


def _identity_numbers(text: str) -> Iterator[Span]:
    for match in _ID_CANDIDATE.finditer(text):
        if is_national_id(re.sub(r"[^0-9]", "", match[0])):
            yield match.start(), match.end(), NATIONAL_ID
        elif _ID_SHAPE.fullmatch(match[0]) and _is_free(text, match.start(), match.end()):
            yield match.start(), match.end(), LONG_NUMBER


def _phone_numbers(text: str) -> Iterator[Span]:
    for match in PhoneNumberMatcher(text, "NO", leniency=Leniency.VALID):
        start, end = match.start, match.end
        if _is_free(text, start, end) and not _is_date_or_amount(text, start, end):
            yield start, end, PHONE


def _international_numbers(text: str) -> Iterator[Span]:
    for match in _INTERNATIONAL_PHONE.finditer(text):
        if _is_free(text, match.start(), match.end()):
            yield match.start(), match.end(), PHONE


def _is_free(text: str, start: int, end: int) -> bool:
    return bool(_FREE_START.match(text, start) and _FREE_END.match(text, end))


def _is_date_or_amount(text: str, start: int, end: int) -> bool:
    if _reads_as_date(text[start:end]):
        return True
    before = text[max(0, start - 5) : start]
    after = text[end : end + 5]
    return bool(_AMOUNT_BEFORE.search(before) or _AMOUNT_AFTER.match(after))


def _reads_as_date(number: str) -> bool:
    """True for 8 digits that read as DDMMYYYY or YYYYMMDD."""
    if len(number) != 8 or not number.isdigit():
        return False
    return _is_date(number[:2], number[2:4], number[4:]) or _is_date(
        number[6:], number[4:6], number[:4]
    )


def _is_date(day: str, month: str, year: str) -> bool:
    if not 1900 <= int(year) <= 2099:
        return False
    try:
        date(int(year), int(month), int(day))
    except ValueError:
        return False
    return True
