"""What people type, made safe to store: control characters out.

A NUL (U+0000) makes PostgreSQL refuse the whole row, and lone surrogates (which Telegram's JSON
can carry as \\ud800) cannot be encoded at all; other control characters (Unicode category Cc:
U+0000-U+001F and U+007F-U+009F) only hide or garble text in a summary. Newline and tab stay;
a carriage return becomes a newline. Removed characters are not replaced by a space, so a number
split by them is still one number to the masking that follows.
"""

from __future__ import annotations

import re

_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")


def without_control_characters(text: str) -> str:
    """`text` without control characters (but newline and tab) and lone surrogates."""
    return _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
