"""Interface texts in bokmål, nynorsk and English from gettext catalogues (dialogues/locales).

Message ids are keys ("start.welcome"), so a missing translation is easy to see and to test
for; texts use str.format placeholders. Bokmål is the fallback for anything missing.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

from babel.messages.pofile import read_po

from domain.model import DEFAULT_LANGUAGE, LANGUAGES

LOCALES = Path(__file__).with_name("locales")


@cache
def catalogue(language: str) -> Mapping[str, str]:
    with (LOCALES / f"{language}.po").open("rb") as handle:
        po = read_po(handle, locale=language)
    return {
        str(message.id): str(message.string)
        for message in po
        if message.id and isinstance(message.string, str) and message.string
    }


class Texts:
    """Bound to one language: `texts("key", name=...)`."""

    def __init__(self, language: str) -> None:
        self.language = language if language in LANGUAGES else DEFAULT_LANGUAGE

    def __call__(self, key: str, /, **values: Any) -> str:
        text = catalogue(self.language).get(key) or catalogue(DEFAULT_LANGUAGE).get(key)
        if text is None:
            raise KeyError(f"no text for {key!r}")
        return text.format(**values) if values else text


def texts_for(language: str) -> Texts:
    return Texts(language)
