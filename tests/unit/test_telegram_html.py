"""What Telegram's HTML parse mode accepts, and how long the result is by Telegram's count."""

from __future__ import annotations

import html

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.telegram_html import (
    html_errors,
    telegram_refusals,
    utf16_length,
    visible_length,
    visible_text,
)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "plain text, nothing special",
        "<b>bold</b> <strong>strong</strong> <i>i</i> <em>em</em> <u>u</u> <ins>ins</ins>",
        "<s>s</s> <strike>strike</strike> <del>del</del>",
        '<span class="tg-spoiler">secret</span> <tg-spoiler>also secret</tg-spoiler>',
        '<a href="https://example.org/?a=1&amp;b=2">link</a>',
        "<a href='https://example.org'>single quotes</a>",
        "<code>x = 1</code>",
        '<pre><code class="language-python">print("hi")</code></pre>',
        "<pre>plain block</pre>",
        "<blockquote>quoted</blockquote>",
        "<blockquote expandable>long quote</blockquote>",
        '<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji>',
        "<b>bold <i>bold italic <u>and underlined</u></i></b>",
        "<B>upper-case tag names</B>",
        '<b class="ignored">unknown attributes are ignored</b>',
        "&lt;not a tag&gt; &amp; &quot;quoted&quot;",
        "&#65;&#x42;&#X43; numeric entities",
        "emoji 🎉 and æøå ÆØÅ",
        "line one\nline two",
        "a > b is fine unescaped",
    ],
)
def test_accepts_what_telegram_accepts(text: str) -> None:
    assert html_errors(text) == []


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("<div>block</div>", "unsupported tag <div>"),
        ("line<br>break", "unsupported tag <br>"),
        ("<p>para</p>", "unsupported tag <p>"),
        ("<b>never closed", "unclosed tag <b>"),
        ("<b><i>crossed</b></i>", "mismatched closing tag </b>"),
        ("stray</b>", "has no opening tag"),
        ("1 < 2", "bare '<' at position 2"),
        ("<3 you", "bare '<'"),
        ("a <b never ends", "bare '<'"),
        ("salt & pepper", "bare '&' at position 5"),
        ("&nbsp;", "bare '&'"),
        ("&lt without semicolon", "bare '&'"),
        ("&#0;", "bare '&'"),
        ("&#x110000;", "bare '&'"),
        ("&#xD800;", "bare '&'"),
        ("<a>no href</a>", "needs an href"),
        ('<a href="">empty href</a>', "needs an href"),
        ("<span>no class</span>", 'needs class="tg-spoiler"'),
        ('<span class="other">x</span>', 'needs class="tg-spoiler"'),
        ("<tg-emoji>👍</tg-emoji>", "needs a numeric emoji-id"),
        ("<b/>", "self-closing tag"),
        ("<b disabled>x</b>", "has no value"),
        ("<a href=https://example.org>unquoted</a>", "must be in quotes"),
    ],
)
def test_refuses_what_telegram_refuses(text: str, fragment: str) -> None:
    errors = html_errors(text)
    assert any(fragment in error for error in errors), errors


@pytest.mark.parametrize("text", ["salt & pepper", "&nbsp;", "&lt without semicolon", "&#0;"])
def test_telegram_itself_keeps_a_bare_ampersand_as_text(text: str) -> None:
    assert telegram_refusals(text) == []
    assert visible_text(text) == text


def test_telegram_refuses_the_rest_as_html_errors_does() -> None:
    assert telegram_refusals("<b>a & b") == ["unclosed tag <b> opened at position 0"]
    assert telegram_refusals("<a href=x>y</a>") != []


def test_reports_every_problem_not_only_the_first() -> None:
    errors = html_errors("<div>a & b</div> <b>open")
    assert len(errors) == 4, errors  # <div>, &, </div>, unclosed <b>


def test_escaped_user_text_inside_our_markup_is_accepted_and_shown_literally() -> None:
    user_text = '<b>hi</b> & "you" <script>'
    message = f"<i>{html.escape(user_text)}</i>"
    assert html_errors(message) == []
    assert visible_text(message) == user_text


def test_unescaped_user_text_is_caught() -> None:
    assert html_errors("<i>Tom & Jerry <3</i>") != []


def test_visible_length_removes_tags_and_decodes_entities() -> None:
    assert visible_length("<b>abc</b>") == 3
    assert visible_length("&lt;b&gt;") == 3
    assert visible_length('<a href="https://a.very.long.example.org/path">x</a>') == 1
    assert visible_length("&#x1F600;") == 2


def test_visible_length_counts_emoji_as_two_utf16_units() -> None:
    assert visible_length("🎉") == 2
    assert visible_length("æøå") == 3
    assert visible_length("👍🏽") == 4  # emoji plus skin-tone modifier


def test_limits_are_reachable_exactly() -> None:
    assert visible_length("<b>" + "x" * 4096 + "</b>") == 4096
    assert visible_length("🎉" * 2048) == 4096


@given(st.text())
def test_escaped_text_is_always_accepted_and_round_trips(text: str) -> None:
    escaped = html.escape(text, quote=False)
    assert html_errors(escaped) == []
    assert visible_text(escaped) == text
    assert visible_length(escaped) == utf16_length(text)


@given(st.text())
def test_never_crashes_on_arbitrary_input(text: str) -> None:
    errors = html_errors(text)
    assert isinstance(errors, list)
    assert visible_length(text) >= 0
