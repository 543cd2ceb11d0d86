"""Control characters never reach the database: a NUL would make PostgreSQL refuse the row."""

from __future__ import annotations

import pytest

from domain.masking import mask
from domain.text import without_control_characters


@pytest.mark.parametrize(
    ("written", "kept"),
    [
        ("Hemmelig\x00svar fra Anne", "Hemmeligsvar fra Anne"),
        ("bell\x07 escape\x1b[31m delete\x7f c1\x85\x9f", "bell escape[31m delete c1"),
        ("lone \ud800surrogates\udfff", "lone surrogates"),
        ("lines\nand\ttabs stay", "lines\nand\ttabs stay"),
        ("windows\r\nand old mac\rlines", "windows\nand old mac\nlines"),
        (
            "æøå, “quotes”, emoji 🙂 and no-break\u00a0space",
            "æøå, “quotes”, emoji 🙂 and no-break\u00a0space",
        ),
        ("\x00\x01\x02", ""),
    ],
)
def test_control_characters_are_dropped(written: str, kept: str) -> None:
    assert without_control_characters(written) == kept


def test_a_number_split_by_control_characters_is_still_masked() -> None:
    cleaned = without_control_characters("Ring 912\x0034\x00567")
    assert mask(cleaned).text == "Ring [telefonnummer]"
