"""Telegram's HTML parse mode, checked before we send: which texts Telegram would refuse.

A small hand-written scanner rather than `html.parser`, because the standard parser forgives
exactly what Telegram refuses (a bare `<`, unknown tags, `&nbsp;`) and we want those reported.
Positions in messages are character offsets into the source text.

`html_errors` is slightly stricter than Telegram in one place: Telegram keeps a bare `&` (or an
entity it does not know, such as `&nbsp;`) as literal text, but its documentation asks for
`&amp;`, and a bare `&` in our texts usually means user text went unescaped. `telegram_refusals`
is exactly what Telegram refuses: the local Bot API server answers with it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

SUPPORTED_TAGS = frozenset(
    {
        "b",
        "strong",
        "i",
        "em",
        "u",
        "ins",
        "s",
        "strike",
        "del",
        "span",
        "tg-spoiler",
        "a",
        "code",
        "pre",
        "blockquote",
        "tg-emoji",
    }
)

_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_ENTITY = re.compile(r"&(?:(?P<named>[a-zA-Z]+)|#(?P<dec>[0-9]+)|#[xX](?P<hex>[0-9a-fA-F]+));")
_TAG_NAME = re.compile(r"[A-Za-z][A-Za-z0-9-]*")
_ATTRIBUTE = re.compile(
    r"""\s*(?P<name>[^\s=>/"']+)(?:\s*=\s*(?:"(?P<dq>[^"]*)"|'(?P<sq>[^']*)'|(?P<bare>[^\s>"']+)))?"""
)
_MAX_CODE_POINT = 0x10FFFF


@dataclass
class ParsedHtml:
    """What Telegram would show (`text`) and why it would refuse the source (`errors`)."""

    text: str
    errors: list[str] = field(default_factory=list)


@dataclass
class _OpenTag:
    name: str
    position: int


def html_errors(text: str) -> list[str]:
    """Human-readable problems; empty when Telegram accepts `text` and every `&` is escaped."""
    return parse_html(text).errors


def telegram_refusals(text: str) -> list[str]:
    """Why Telegram's HTML parse mode would refuse `text`; empty when it accepts it."""
    return parse_html(text, literal_ampersands=True).errors


def visible_text(text: str) -> str:
    """The text a reader sees: tags removed, entities decoded (best effort for broken input)."""
    return parse_html(text).text


def visible_length(text: str) -> int:
    """Length after parsing in UTF-16 code units: how Telegram counts its 4,096 / 1,024 limits."""
    return utf16_length(visible_text(text))


def utf16_length(text: str) -> int:
    """Characters outside the Basic Multilingual Plane (most emoji) count twice."""
    return len(text) + sum(1 for char in text if ord(char) > 0xFFFF)


def parse_html(text: str, *, literal_ampersands: bool = False) -> ParsedHtml:
    """`literal_ampersands`: a bare `&` is text, as Telegram has it, rather than an error."""
    result = ParsedHtml(text="")
    visible: list[str] = []
    open_tags: list[_OpenTag] = []
    position = 0
    while position < len(text):
        char = text[position]
        if char == "&":
            errors = [] if literal_ampersands else result.errors
            decoded, position = _entity_at(text, position, errors)
            visible.append(decoded)
        elif char == "<":
            position = _tag_at(text, position, open_tags, result.errors)
        else:
            visible.append(char)
            position += 1
    for tag in open_tags:
        result.errors.append(f"unclosed tag <{tag.name}> opened at position {tag.position}")
    result.text = "".join(visible)
    return result


def _decode_entity(match: re.Match[str]) -> str | None:
    if match["named"] is not None:
        return _NAMED_ENTITIES.get(match["named"])
    code_point = int(match["dec"]) if match["dec"] is not None else int(match["hex"], 16)
    if code_point == 0 or code_point > _MAX_CODE_POINT or 0xD800 <= code_point <= 0xDFFF:
        return None
    return chr(code_point)


def _entity_at(text: str, position: int, errors: list[str]) -> tuple[str, int]:
    match = _ENTITY.match(text, position)
    decoded = _decode_entity(match) if match else None
    if match is None or decoded is None:
        errors.append(
            f"bare '&' at position {position}: write &amp; (Telegram knows only "
            "&lt; &gt; &amp; &quot; and numeric entities)"
        )
        return "&", position + 1
    return decoded, match.end()


def _tag_end(text: str, start: int) -> int | None:
    """Index of the `>` closing the tag that starts at `start`, skipping quoted values."""
    quote: str | None = None
    for index in range(start + 1, len(text)):
        char = text[index]
        if quote is not None:
            if char == quote:
                quote = None
        elif char in "\"'":
            quote = char
        elif char == ">":
            return index
        elif char == "<":
            return None
    return None


def _tag_at(text: str, position: int, open_tags: list[_OpenTag], errors: list[str]) -> int:
    is_end_tag = text.startswith("</", position)
    name_match = _TAG_NAME.match(text, position + (2 if is_end_tag else 1))
    end = _tag_end(text, position)
    if name_match is None or end is None:
        errors.append(f"bare '<' at position {position}: write &lt;")
        return position + 1
    name = name_match.group().lower()
    if is_end_tag:
        _close_tag(name, text[name_match.end() : end], position, open_tags, errors)
    else:
        attributes = text[name_match.end() : end]
        if _check_start_tag(name, attributes, position, errors):
            open_tags.append(_OpenTag(name, position))
    return end + 1


def _close_tag(
    name: str, rest: str, position: int, open_tags: list[_OpenTag], errors: list[str]
) -> None:
    if rest.strip():
        errors.append(f"unexpected content in closing tag </{name}> at position {position}")
    if name not in SUPPORTED_TAGS:
        errors.append(f"unsupported tag </{name}> at position {position}")
        return
    if not open_tags:
        errors.append(f"closing tag </{name}> at position {position} has no opening tag")
        return
    innermost = open_tags[-1].name
    if innermost == name:
        open_tags.pop()
        return
    errors.append(
        f"mismatched closing tag </{name}> at position {position}: expected </{innermost}>"
    )
    # Recover like a reader would: if the tag is open further out, close everything inside it.
    for depth in range(len(open_tags) - 1, -1, -1):
        if open_tags[depth].name == name:
            del open_tags[depth:]
            return


def _check_start_tag(name: str, source: str, position: int, errors: list[str]) -> bool:
    """Report what Telegram refuses in a start tag; True when the tag should count as open."""
    if name not in SUPPORTED_TAGS:
        errors.append(f"unsupported tag <{name}> at position {position}")
        return False
    if source.rstrip().endswith("/"):
        errors.append(f"self-closing tag <{name}/> at position {position}: write <{name}></{name}>")
        return False
    attributes: dict[str, str | None] = {}
    rest = source
    while rest.strip():
        match = _ATTRIBUTE.match(rest)
        if match is None:
            errors.append(f"malformed attributes in <{name}> at position {position}")
            return True
        if match["bare"] is not None:
            errors.append(
                f"value of attribute {match['name']!r} of <{name}> at position {position} "
                "must be in quotes"
            )
        value = match["dq"] if match["dq"] is not None else match["sq"]
        attributes[match["name"].lower()] = value if value is not None else match["bare"]
        rest = rest[match.end() :]
    for attribute, value in attributes.items():
        if value is None and not (name == "blockquote" and attribute == "expandable"):
            errors.append(
                f"attribute {attribute!r} of <{name}> at position {position} has no value"
            )
    _check_required_attributes(name, attributes, position, errors)
    return True


def _check_required_attributes(
    name: str, attributes: dict[str, str | None], position: int, errors: list[str]
) -> None:
    if name == "a" and not (attributes.get("href") or "").strip():
        errors.append(f"tag <a> at position {position} needs an href")
    elif name == "span" and attributes.get("class") != "tg-spoiler":
        errors.append(f'tag <span> at position {position} needs class="tg-spoiler"')
    elif name == "tg-emoji" and not (attributes.get("emoji-id") or "").isdigit():
        errors.append(f"tag <tg-emoji> at position {position} needs a numeric emoji-id")
