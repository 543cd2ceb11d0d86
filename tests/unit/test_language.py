"""Which written standard a reader gets: their choice, their organisation's, then Telegram's."""

from __future__ import annotations

import pytest

from domain.language import reader_language
from domain.model import Member


@pytest.mark.parametrize(
    ("chosen", "organisation", "telegram", "reads"),
    [
        ("en", "nn", "nb", "en"),  # /language wins over everything
        (None, "nn", "nb", "nn"),  # a nynorsk municipality's member whose phone says bokmål
        (None, "nb", "en-GB", "nb"),
        (None, None, "nn", "nn"),
        (None, None, "nb", "nb"),
        (None, None, "no", "nb"),
        (None, None, "sv", "nb"),  # Swedish and Danish readers read bokmål more easily
        (None, None, "da", "nb"),
        (None, None, "en", "en"),
        (None, None, "pl", "en"),  # any other language: English
        (None, None, "uk", "en"),
        (None, None, None, "nb"),  # Telegram said nothing
        ("xx", "yy", "pl", "en"),  # unknown values are skipped, not trusted
    ],
)
def test_the_reader_gets_their_choice_then_their_organisation_s_then_telegram_s(
    chosen: str | None, organisation: str | None, telegram: str | None, reads: str
) -> None:
    assert reader_language(chosen, organisation, telegram) == reads
    member = Member(
        id=1, telegram_id=2, language=chosen, org_language=organisation, telegram_language=telegram
    )
    assert member.reads == reads
