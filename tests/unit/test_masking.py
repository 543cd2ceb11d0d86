"""Masking free text before it is stored: what goes, what stays, and that masking is stable."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from domain.masking import TOKENS, MaskResult, is_national_id, mask

# The rules, written out here on their own so the tests do not borrow the code they test.
FIRST = (3, 7, 6, 1, 8, 9, 4, 5, 2)
SECOND = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)


def control(digits: str, weights: tuple[int, ...]) -> str | None:
    remainder = sum(int(d) * w for d, w in zip(digits, weights, strict=True)) % 11
    if remainder == 1:
        return None  # 11 - 1 = 10 is no digit: such individual numbers are never issued
    return str(0 if remainder == 0 else 11 - remainder)


def national_id(born: date, individual: int, d_number: bool = False) -> str | None:
    """A valid fødselsnummer, or D-number (4 added to the first digit), or None if none exists."""
    day = born.day + (40 if d_number else 0)
    base = f"{day:02d}{born.month:02d}{born.year % 100:02d}{individual:03d}"
    first = control(base, FIRST)
    if first is None:
        return None
    second = control(base + first, SECOND)
    return None if second is None else base + first + second


def individual_numbers(year: int) -> list[range]:
    """The individual numbers (digits 7-9) issued for those born in `year`."""
    if year >= 2000:
        return [range(500, 1000)]
    return [range(0, 500), range(900, 1000)] if year >= 1940 else [range(0, 500)]


@st.composite
def national_ids(draw: st.DrawFn) -> str:
    born = draw(st.dates(date(1930, 1, 1), date(2026, 11, 22)))
    individual = draw(st.sampled_from(individual_numbers(born.year)).flatmap(st.sampled_from))
    number = national_id(born, individual, draw(st.booleans()))
    assume(number is not None)
    assert number is not None
    return number


def test_generator_follows_the_rules_by_hand() -> None:
    # 01.01.90, individual 124: 0*3+1*7+0*6+1*1+9*8+0*9+1*4+2*5+4*2 = 102, 102 % 11 = 3 -> 8;
    # then 0*5+1*4+0*3+1*2+9*7+0*6+1*5+2*4+4*3+8*2 = 110, 110 % 11 = 0 -> 0.
    assert national_id(date(1990, 1, 1), 124) == "01019012480"
    # individual 123 gives 100 % 11 = 1: no first check digit exists.
    assert national_id(date(1990, 1, 1), 123) is None
    # The D-number: 4*3+1*7+0*6+1*1+9*8+0*9+1*4+2*5+4*2 = 114, 114 % 11 = 4 -> 7;
    # then 4*5+1*4+0*3+1*2+9*7+0*6+1*5+2*4+4*3+7*2 = 128, 128 % 11 = 7 -> 4.
    assert national_id(date(1990, 1, 1), 124, d_number=True) == "41019012474"


@given(national_ids())
def test_national_ids_are_masked_written_together_or_split(number: str) -> None:
    assert is_national_id(number)
    for written in (number, f"{number[:6]} {number[6:]}"):
        result = mask(f"Eleven har nr. {written}, se mappa.")
        assert result.text == "Eleven har nr. [fødselsnummer], se mappa."
        assert result.masked == ("national_id",)


@given(national_ids(), st.integers(1, 9))
def test_a_wrong_check_digit_is_no_national_id_but_still_masked(number: str, shift: int) -> None:
    broken = number[:10] + str((int(number[10]) + shift) % 10)
    assert not is_national_id(broken)
    result = mask(f"Nummeret {broken} står på lappen")
    assert result.text == "Nummeret [nummer] står på lappen"
    assert result.masked == ("long_number",)


@pytest.mark.parametrize(
    "phone",
    [
        "91234567",
        "912 34 567",
        "91 23 45 67",
        "9123 4567",
        "22 12 34 56",
        "+47 912 34 567",
        "+4791234567",
        "0047 91 23 45 67",
        "004722123456",
        "+46 70 123 45 67",
        "+1 555 123 4567",
        "+44 (0)20 7946 0958",
    ],
)
def test_phone_numbers_are_masked(phone: str) -> None:
    result = mask(f"Ring meg på {phone}.")
    assert result.text == "Ring meg på [telefonnummer]."
    assert result.masked == ("phone",)


@pytest.mark.parametrize(
    "address", ["ola.nordmann@skole.kommune.no", "kari+foreldre@example.com", "ærlig@øya.no"]
)
def test_email_addresses_are_masked(address: str) -> None:
    result = mask(f"Skriv til {address}, takk")
    assert result.text == "Skriv til [e-post], takk"
    assert result.masked == ("email",)


ID, NUMBER, PHONE, MAIL = TOKENS.values()

# Each way staff were seen or can be expected to write a number or an address, as written and as
# stored. 01019012480 is a valid fødselsnummer, 41019012474 the D-number of the same birth date.
FORMS = [
    ("Eleven 010190.12480 er syk", f"Eleven {ID} er syk"),
    ("Eleven 010190-12480 er syk", f"Eleven {ID} er syk"),
    ("Eleven 010190  12480 er syk", f"Eleven {ID} er syk"),
    ("Eleven 010190\u00a012480 er syk", f"Eleven {ID} er syk"),
    ("Eleven 010190\u200912480 er syk", f"Eleven {ID} er syk"),
    ("Eleven 010190\u202f12480 er syk", f"Eleven {ID} er syk"),
    ("Eleven 010 190 12480 er syk", f"Eleven {ID} er syk"),
    ("Eleven 01.01.90 12480 er syk", f"Eleven {ID} er syk"),
    ("Eleven fnr01019012480 er syk", f"Eleven fnr{ID} er syk"),
    ("Eleven ０１０１９０１２４８０ er syk", f"Eleven {ID} er syk"),
    ("Eleven ０１０１９０ １２４８０ er syk", f"Eleven {ID} er syk"),
    ("Eleven 0101\u200b9012480 er syk", f"Eleven {ID} er syk"),
    ("Eleven 41019012474 er syk", f"Eleven {ID} er syk"),
    ("Eleven 410190-12474 er syk", f"Eleven {ID} er syk"),
    ("Eleven 01419012480 er syk", f"Eleven {NUMBER} er syk"),  # typo: the check digits fail
    ("Eleven 010190-12481 er syk", f"Eleven {NUMBER} er syk"),
    ("Ring 912 345 67 i dag", f"Ring {PHONE} i dag"),
    ("Ring 91 234 567 i dag", f"Ring {PHONE} i dag"),
    ("Ring 912-34-567 i dag", f"Ring {PHONE} i dag"),
    ("Ring 912.34.567 i dag", f"Ring {PHONE} i dag"),
    ("Ring 0047-91234567 i dag", f"Ring {PHONE} i dag"),
    ("Ring 9 1 2 3 4 5 6 7 i dag", f"Ring {PHONE} i dag"),
    ("Ring +1 (555) 123-4567 i dag", f"Ring {PHONE} i dag"),
    ("Ring +1 (212) 555-0100 i dag", f"Ring {PHONE} i dag"),
    ("Ring (912) 34 567 i dag", f"Ring {PHONE} i dag"),
    ("Ring ９１２ ３４ ５６７ i dag", f"Ring {PHONE} i dag"),
    ("Ring 912\u00a034\u00a0567 i dag", f"Ring {PHONE} i dag"),
    ("Ring tlf:91234567 i dag", f"Ring tlf:{PHONE} i dag"),
    ("Ring 55 12 34 56 i dag", f"Ring {PHONE} i dag"),
    ("Skriv til ola @ skole.no nå", f"Skriv til {MAIL} nå"),
    ("Skriv til ola (at) skole.no nå", f"Skriv til {MAIL} nå"),
    ("Skriv til ola[at]skole.no nå", f"Skriv til {MAIL} nå"),
    ("Skriv til ola {at} skole (dot) no nå", f"Skriv til {MAIL} nå"),
    ("Skriv til ola(AT)skole[punktum]no nå", f"Skriv til {MAIL} nå"),
    ("Skriv til ola＠skole.no nå", f"Skriv til {MAIL} nå"),
    ("Skriv til ｏｌａ＠ｓｋｏｌｅ．ｎｏ nå", f"Skriv til {MAIL} nå"),
    ("Skriv til o'brien@skole.no nå", f"Skriv til {MAIL} nå"),
    ("Skriv til o’brien@skole.no nå", f"Skriv til {MAIL} nå"),
    ("Skriv til kari-anne.o'neill+jobb@skole.kommune.no nå", f"Skriv til {MAIL} nå"),
    ("Skriv til (ola@skole.no) nå", f"Skriv til ({MAIL}) nå"),
    ("Skriv til «ola@skole.no» nå", f"Skriv til «{MAIL}» nå"),
    ("Skriv til ola@skole.no. Takk", f"Skriv til {MAIL}. Takk"),
    ("Skriv til ola@skole-oslo.no-x nå", f"Skriv til {MAIL} nå"),
]

# Ordinary numbers in answers, which must stay as written.
ORDINARY = [
    "I 2024 gikk det bedre enn i 2023",
    "3 av 5 svarte ja, 2 av 5 nei",
    "Klasse 5B og 10C hadde 24 elever hver",
    "40 % av elevene, og 12,5% av de ansatte",
    "Vi startet 01.01.2025 og slutter 20.06.2025",
    "Møtet er kl 08:15, eller 08.15, og varer til 14:30",
    "Skoleåret 2024/2025 og 2025-2026",
    "Uke 12, 1. klasse, rom 203, 7.–10. trinn",
    "12 elever, 3 grupper og 5 lærere",
    "Frist 20261122, levert 17052026 og 31122026",
    "Budsjettet er kr 45000000, eller 45000000 kr",
    "Tallet 3.91234567 og 2026-12345678",
    "Organisasjonsnummer 987 654 321",
    "Kontonummer 1234 56 78903",
    "Versjon 1.2.3 og punkt 4.5.6",
    "Spør @ola_nordmann på Telegram",
    "Adressen ola@skole står på lappen",
    "Jeg tror at skolen gjør det bra",
    "Vi brukte 1 500,- på turen, 25 000 000 kr i alt",
    "Svar: 1 2 3 4 5",
    "Fullbredde ｔｅｋｓｔ og ½ time, ﬁne ord",
]


@pytest.mark.parametrize(("written", "stored"), FORMS)
def test_every_form_is_masked_as_a_whole(written: str, stored: str) -> None:
    result = mask(written)
    assert result.text == stored
    assert result.masked != ()


@pytest.mark.parametrize("text", ORDINARY)
def test_ordinary_numbers_in_answers_stay(text: str) -> None:
    assert mask(text) == MaskResult(text, ())


def test_text_around_a_mask_stays_as_written() -> None:
    # Full-width letters and a fraction are read normalised but stored as the member wrote them.
    written = "Ｈｅｉ, ½ time: ring ９１２３４５６７ eller ola＠skole.no\u200b!"
    assert mask(written).text == f"Ｈｅｉ, ½ time: ring {PHONE} eller {MAIL}\u200b!"


def test_kinds_are_listed_once_each_in_a_fixed_order() -> None:
    text = "a@b.no 91234567 " + "01019012480" + " c@d.no 22334455"
    result = mask(text)
    assert result.text == "[e-post] [telefonnummer] [fødselsnummer] [e-post] [telefonnummer]"
    assert result.masked == ("national_id", "phone", "email")


@pytest.mark.parametrize(
    "text",
    [
        "Skoleåret 2026 2027 startet bra",
        "Møtet er 17.05.2026 kl. 14:30",
        "Frist 20261122, levert 17052026",
        "7B og 10C hadde 24 elever hver",
        "Budsjettet er 25 000 000 kr, før var det kr 12000000",
        "Vi brukte 1 500,- på turen",
        "Organisasjonsnummer 987 654 321",
        "Kontonummer 1234 56 78903",
        "Tallet 3.14159265 og 2026-12345678",
        "Bare 123 og 45 og 6789",
        "Telefonnummeret mitt er hemmelig",
    ],
)
def test_ordinary_numbers_are_left_alone(text: str) -> None:
    assert mask(text) == MaskResult(text, ())


def test_twelve_digits_are_neither_id_nor_phone() -> None:
    assert mask("Referanse 123456789012").masked == ()


pieces = st.one_of(
    st.text(alphabet="0123456789 +@.-:,/()[]abcæøåkrNOK\n", max_size=20),
    national_ids(),
    national_ids().map(lambda n: f"{n[:6]} {n[6:]}"),
    st.sampled_from(["91234567", "912 34 567", "+47 91 23 45 67", "+46 70 123 45 67"]),
    st.sampled_from(["ola@skole.no", "a.b@c.d.no", "x@y", "@", "kr", ",-", "[nummer]"]),
    st.text(max_size=10),
)
texts = st.lists(pieces, max_size=8).map("".join)
LONGEST_TOKEN = max(len(token) for token in TOKENS.values())


def tokens_in(text: str) -> int:
    return sum(text.count(token) for token in TOKENS.values())


@pytest.mark.parametrize(
    "glued",
    [
        "+1000000+1000000",
        "ola@skole.noa.b@c.d.no",
        "91234567.+4612345678",
        "a@b.no.c@d.no",
        "ola@skole.no01010050053x@y",
    ],
)
def test_glued_matches_mask_the_same_on_a_second_pass(glued: str) -> None:
    once = mask(glued).text
    assert mask(once).text == once


@given(texts)
def test_masking_is_idempotent(text: str) -> None:
    once = mask(text)
    twice = mask(once.text)
    assert twice.text == once.text
    assert twice.masked == ()


@given(texts)
def test_masking_adds_nothing_but_tokens(text: str) -> None:
    result = mask(text)
    added = tokens_in(result.text) - tokens_in(text)
    assert len(result.text) - len(text) <= added * LONGEST_TOKEN
    assert (result.text != text) == bool(result.masked)
    for kind in result.masked:
        assert TOKENS[kind] in result.text


@given(st.text())
def test_masking_never_crashes_on_any_text(text: str) -> None:
    assert isinstance(mask(text).text, str)
