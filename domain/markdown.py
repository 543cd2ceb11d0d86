"""Text that people wrote, shown as itself in a Markdown file (the export for the minutes).

A Markdown viewer renders HTML and Markdown: an answer `<img src=...>` or `[klikk her](...)` would
become an image or a link in the minutes, `# Viktig` a heading, `**alle**` bold. Every ASCII
punctuation character that can start formatting, a link or an autolink (`:`, `/`, `@`) is
escaped with a backslash wherever it stands; `&`, `<` and `>` become HTML entities, which every
viewer reads, HTML-rendering or not. Plain sentence punctuation (`, . ' " ? ; %`) stays as
written, so the raw file reads well too; a `-` or `1.` that would begin a list is escaped.
"""

from __future__ import annotations

import re
import string

_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
_PROSE = set(",.'\"?;%-")  # never start formatting inside a line
_TABLE = str.maketrans(
    {
        **{c: "\\" + c for c in string.punctuation if c not in _ENTITIES and c not in _PROSE},
        **_ENTITIES,
    }
)
_LIST_START = re.compile(r"^(\s*)(-|\d+[.])")


def escape_markdown(text: str) -> str:
    """`text` as literal text in Markdown (inline: line breaks are the caller's to handle)."""
    escaped = text.translate(_TABLE)
    return _LIST_START.sub(lambda m: m.group(1) + m.group(2)[:-1] + "\\" + m.group(2)[-1], escaped)
