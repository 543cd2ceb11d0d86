"""Text that people wrote, shown as itself in a Markdown file (the export for the minutes).

A Markdown viewer renders HTML and Markdown: an answer `<img src=...>` or `[klikk her](...)` would
become an image or a link in the minutes, `# Viktig` a heading, `**alle**` bold. Every ASCII
punctuation character, which CommonMark lets a backslash escape, is escaped, wherever it stands
(simpler and safer than deciding where each would start formatting); `&`, `<` and `>` become
HTML entities, which every viewer reads, HTML-rendering or not.
"""

from __future__ import annotations

import string

_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
_TABLE = str.maketrans(
    {
        **{c: "\\" + c for c in string.punctuation if c not in _ENTITIES},
        **_ENTITIES,
    }
)


def escape_markdown(text: str) -> str:
    """`text` as literal text in Markdown (inline: line breaks are the caller's to handle)."""
    return text.translate(_TABLE)
