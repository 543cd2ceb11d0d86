"""The weekly summary as Telegram gets it: photos it keeps sharp with captions it accepts, text
parts under its limit, answers escaped, and what retention leaves of a frozen week."""

from __future__ import annotations

import csv
import io
import struct
from datetime import date

import pytest

from bot.summaries import Summaries, export_csv, export_markdown, render_summary
from content.loader import load_packages
from dialogues.i18n import Texts
from dialogues.outgoing import PhotoPart, TextPart
from domain.model import Group, QuestionKind
from domain.summary import (
    AnswerIn,
    ParticipationIn,
    QuestionInfo,
    SummaryInput,
    WeekSummary,
    summarize,
)
from domain.telegram_html import html_errors, utf16_length, visible_text
from services.weekly import SNAPSHOT, without_texts

WEEK = date(2026, 11, 23)
CAPTION_LIMIT, TEXT_LIMIT = 1024, 4096
NB, EN = Texts("nb"), Texts("en")
GROUP = Group(id=7, org_id=1, slug="laerere", name="Lærerne")


def scale(step: str, pool: str = "") -> QuestionInfo:
    situation = pool or step  # the questions of a pool ask the same
    return QuestionInfo(
        step_id=step,
        title=f"Steg {step}",
        kind=QuestionKind.SCALE,
        prompt=f"Hvor trygg er du ({situation}) når noen blir holdt utenfor i friminuttet?",
        scale_labels=("Svært usikker", "Helt trygg"),
        pool_key=pool,
        week=WEEK,
    )


def choice(step: str) -> QuestionInfo:
    options = (
        "Faste voksne i skolegården",
        "Klassemøte om vennskap",
        "Nye regler for garderoben",
        "Ingen tiltak ennå",
        "Noe annet",
    )
    return QuestionInfo(
        step_id=step,
        title=f"Steg {step}",
        kind=QuestionKind.CHOICE,
        prompt=f"Hvilket tiltak prøvde dere ut denne uka ({step})?",
        options=options,
        week=WEEK,
    )


def text(step: str) -> QuestionInfo:
    return QuestionInfo(
        step_id=step, title=f"Steg {step}", kind=QuestionKind.TEXT, prompt="Hva så du?", week=WEEK
    )


def week_of(questions: list[QuestionInfo], answers: list[AnswerIn]) -> WeekSummary:
    counts: dict[str, int] = {}
    for answer in answers:
        counts[answer.step_id] = counts.get(answer.step_id, 0) + 1
    participation = ParticipationIn(members=20, answered_per_step=counts)
    respondents: dict[tuple[str, date], frozenset[str]] = {}
    for answer in answers:  # each by someone else
        key = (answer.step_id, answer.week)
        respondents[key] = respondents.get(key, frozenset()) | {answer.answer_id}
    return summarize(SummaryInput(WEEK, 3, questions, answers, participation, respondents))


def answers_to(question: QuestionInfo, count: int, said: str = "") -> list[AnswerIn]:
    found = []
    for n in range(count):
        key = f"{question.step_id}-{n}"
        if question.kind is QuestionKind.SCALE:
            found.append(AnswerIn(key, question.step_id, WEEK, scale=1 + n % 5))
        elif question.kind is QuestionKind.CHOICE:
            found.append(AnswerIn(key, question.step_id, WEEK, choice=n % 5))
        else:
            found.append(AnswerIn(key, question.step_id, WEEK, text=f"{said} {n}"))
    return found


def summaries() -> Summaries:
    return Summaries(load_packages(), 3, lambda package, modules: None)


def png_size(png: bytes) -> tuple[int, int]:
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    width, height = struct.unpack(">II", png[16:24])
    return width, height


def test_a_summary_with_many_questions_sends_several_photos_each_sharp_and_in_order() -> None:
    questions = [scale(f"s{n}") if n % 2 else choice(f"c{n}") for n in range(12)]
    summary = week_of(questions, [a for q in questions for a in answers_to(q, 6)])
    parts = summaries().parts(summary, NB, GROUP, leader=True, modules=[])

    photos = [part for part in parts if isinstance(part, PhotoPart)]
    assert len(photos) >= 3  # twelve questions do not fit one readable picture
    assert parts[: len(photos)] == photos  # the pictures first, then the text
    for number, photo in enumerate(photos, start=1):
        width, height = png_size(photo.png)
        assert width == 1080 and height <= 1280  # Telegram keeps 1280 px: the text stays sharp
        assert photo.caption.endswith(f"({number}/{len(photos)})")
    assert len({photo.png for photo in photos}) == len(photos)
    assert len({photo.filename for photo in photos}) == len(photos)


def test_captions_stay_under_telegrams_limit_whatever_the_group_is_called() -> None:
    questions = [scale("s1"), choice("c1")]
    summary = week_of(questions, [a for q in questions for a in answers_to(q, 4)])
    name = "Lærerne på <b>mellomtrinnet</b> & SFO 🎒 " * 40
    group = Group(id=8, org_id=1, slug="lang", name=name)
    for texts in (NB, Texts("nn"), EN):
        for photo in summaries().chart_photos(summary, texts, group):
            assert not html_errors(photo.caption)
            assert utf16_length(visible_text(photo.caption)) < CAPTION_LIMIT
            assert "<b>mellomtrinnet</b> &" in visible_text(photo.caption)  # shown, not parsed


def test_a_long_summary_is_split_under_the_limit_and_loses_no_answer() -> None:
    question = text("t1")
    said = "Vi prøvde <b>faste plasser</b> & det ble roligere 🙂, særlig etter lunsj" * 3
    summary = week_of([question], answers_to(question, 150, said))
    parts = summaries().parts(summary, NB, GROUP, leader=False, modules=[])

    pieces = [part.html for part in parts if isinstance(part, TextPart)]
    assert len(pieces) > 1
    for piece in pieces:
        assert utf16_length(piece) <= TEXT_LIMIT and not html_errors(piece)
    everything = "\n".join(visible_text(piece) for piece in pieces)
    for n in range(150):
        assert everything.count(f"{said} {n}\n") + everything.endswith(f"{said} {n}") == 1


def test_answers_are_escaped_and_the_mean_is_written_as_the_reader_writes_numbers() -> None:
    questions = [scale("s1"), text("t1")]
    answers = answers_to(questions[0], 4) + answers_to(questions[1], 3, "<i>x</i> & &amp;")
    summary = week_of(questions, answers)
    bokmal = render_summary(summary, NB, "A & B", leader=True, modules=[])
    english = render_summary(summary, EN, "A & B", leader=True, modules=[])
    assert not html_errors(bokmal) and "&lt;i&gt;x&lt;/i&gt; &amp; &amp;amp; 0" in bokmal
    assert "<i>x</i> & &amp; 0" in visible_text(bokmal)
    assert visible_text(NB("summary.mean", mean="2,5")) in visible_text(bokmal)
    assert visible_text(EN("summary.mean", mean="2.5")) in visible_text(english)


def test_retention_blanks_the_texts_and_keeps_every_figure() -> None:
    questions = [scale("s1"), text("t1"), text("t2")]
    answers = answers_to(questions[0], 4) + answers_to(questions[1], 3, "Vi så mye")
    answers += answers_to(questions[2], 3, "Litt")
    summary = week_of(questions, answers)
    kept = without_texts(summary)

    assert kept.participation == summary.participation
    assert [r.total for r in kept.results] == [r.total for r in summary.results]
    frozen = SNAPSHOT.dump_json(kept).decode()
    assert "Vi så mye" not in frozen and "Litt" not in frozen
    assert SNAPSHOT.validate_json(frozen) == kept

    for texts in (NB, EN):
        html = render_summary(kept, texts, "Lærerne", leader=True, modules=[])
        assert "💬" not in html and html.count(texts("summary.texts_deleted")) == 2
        assert visible_text(texts("summary.answers", count=3)) in visible_text(html)
        markdown = export_markdown([kept], "Lærerne", texts).decode()
        assert markdown.count(texts("export.texts_deleted")) == 2


def test_the_snapshot_shape_the_retention_query_relies_on() -> None:
    """SummaryRepository.with_texts_before finds snapshots still holding a text by a pattern in
    their JSON; a change in how snapshots are written must not make it miss any."""
    question = text("t1")
    summary = week_of([question], answers_to(question, 3, 'Et "sitat" og texts":["'))
    frozen = SNAPSHOT.dump_json(summary).decode()
    blanked = SNAPSHOT.dump_json(without_texts(summary)).decode()

    def still_holds_texts(snapshot: str) -> bool:  # the query's LIKE, in Python
        return 'texts":["' in snapshot.replace('texts":[""', "")

    assert still_holds_texts(frozen) and not still_holds_texts(blanked)


@pytest.mark.parametrize("language", ["nb", "nn", "en"])
def test_the_export_files_open_and_hold_figures_only(language: str) -> None:
    texts = Texts(language)
    first, second = scale("s1", pool="trygghet"), scale("s2", pool="trygghet")
    said = "Linje én\nlinje to, med # og - i"
    questions = [first, second, text("t1")]
    answers = answers_to(first, 2) + answers_to(second, 2) + answers_to(questions[2], 3, said)
    summary = week_of(questions, answers)

    exported = export_csv([summary], texts).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(exported), delimiter=";"))
    assert (
        rows[0]
        == {
            "nb": ["uke", "spørsmål", "type", "svar", "verdi", "antall", "snitt"],
            "nn": ["veke", "spørsmål", "type", "svar", "verdi", "tal", "snitt"],
            "en": ["week", "question", "kind", "answers", "value", "count", "mean"],
        }[language]
    )
    scale_kind, text_kind = texts("export.csv_scale"), texts("export.csv_text")
    pooled = [row for row in rows[1:] if row[2] == scale_kind]
    assert {row[1] for row in pooled} == {first.prompt}  # one question, asked in two weeks
    assert {row[3] for row in pooled} == {"4"}
    assert [row for row in rows[1:] if row[2] == text_kind] == [
        ["2026-11-23", "Hva så du?", text_kind, "3", "", "", ""]
    ]
    assert "Linje" not in exported

    markdown = export_markdown([summary], "Lærerne\n# ikke en overskrift", texts).decode()
    group = "Lærerne \\# ikke en overskrift"  # escaped: a viewer shows it as written
    assert markdown.splitlines()[0] == texts("export.title", group=group)
    assert "- Linje én linje to, med \\# og - i 0" in markdown.splitlines()  # one item each
