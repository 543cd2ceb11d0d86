"""Answer texts in the Markdown export read as written: no HTML, no formatting, no links."""

from __future__ import annotations

import string

import pytest

from domain.markdown import escape_markdown


@pytest.mark.parametrize(
    ("written", "escaped"),
    [
        ("<script>alert(1)</script>", "&lt;script&gt;alert\\(1\\)&lt;\\/script&gt;"),
        ("**bold** and _it_", "\\*\\*bold\\*\\* and \\_it\\_"),
        ("[link](http://x)", "\\[link\\]\\(http\\:\\/\\/x\\)"),
        ("# heading", "\\# heading"),
        ("1. list", "1\\. list"),
        ("  - nested", "  \\- nested"),
        ("- item | cell `code` ~~gone~~", "\\- item \\| cell \\`code\\` \\~\\~gone\\~\\~"),
        ("Tom & Jerry &amp; &#60;", "Tom &amp; Jerry &amp;amp; &amp;\\#60;"),
        ("C:\\temp ![bilde](x.png)", "C\\:\\\\temp \\!\\[bilde\\]\\(x.png\\)"),
        ("Ærlig talt, 7B trenger mer tid. Eller?", "Ærlig talt, 7B trenger mer tid. Eller?"),
        ('12. mai - "en fin dag"; 90 %', '12\\. mai - "en fin dag"; 90 %'),
        ("ola@skole.no", "ola\\@skole.no"),
    ],
)
def test_markdown_and_html_are_escaped(written: str, escaped: str) -> None:
    assert escape_markdown(written) == escaped


def test_every_ascii_punctuation_character_that_formats_is_escaped_or_an_entity() -> None:
    for character in set(string.punctuation) - set(",.'\"?;%-"):
        escaped = escape_markdown(character)
        assert escaped in (f"\\{character}", "&amp;", "&lt;", "&gt;"), character
