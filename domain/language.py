"""Which written standard a reader gets: their own choice, then their organisation's, then
what Telegram says of them (Norwegian codes to bokmål or nynorsk, every other code to English)."""

from __future__ import annotations

LANGUAGES = ("nb", "nn", "en")
DEFAULT_LANGUAGE = "nb"

# Danish and Swedish readers read bokmål more easily than English
_READ_AS_BOKMAL = frozenset({"nb", "no", "da", "sv"})


def reader_language(
    chosen: str | None, organisation: str | None = None, telegram_code: str | None = None
) -> str:
    if chosen in LANGUAGES:
        return chosen
    if organisation in LANGUAGES:
        return organisation
    code = (telegram_code or "").lower().split("-")[0]
    if code == "nn":
        return "nn"
    if not code or code in _READ_AS_BOKMAL:
        return DEFAULT_LANGUAGE
    return "en"
