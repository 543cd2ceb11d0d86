"""The weekly summaries as text: the summary as Telegram HTML (split under Telegram's limit),
its chart pages as photo parts, the week so far, and the CSV and Markdown exports. What a
summary may show is decided below (services.weekly, domain.summary); this only words it. The
charts themselves are drawn above, in bot/ (Pillow): a handler is given `ChartPhotos`.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Awaitable, Callable
from html import escape

from content.schema import Module
from dialogues.i18n import Texts
from dialogues.outgoing import Part, PhotoPart, TextPart
from domain.markdown import escape_markdown
from domain.model import Group
from domain.summary import (
    ChoiceResult,
    CountStatus,
    Result,
    ScaleResult,
    StepParticipation,
    WeekSummary,
    split_message,
)
from services.weekly import ClosedWeek, WeekSoFar

BAR = "▇"
CAPTION_NAME_MAX = 80  # a group's name in a photo caption (Telegram keeps 1,024 characters)

# The week's chart pages as photos, drawn off the event loop (bot.summaries.Summaries.photos).
ChartPhotos = Callable[[WeekSummary, Texts, Group], Awaitable[list[PhotoPart]]]


async def week_parts(
    closed: ClosedWeek, texts: Texts, chart_photos: ChartPhotos, *, leader: bool
) -> list[Part]:
    """A closed week's summary as its recipient gets it: the charts, then the text."""
    photos = await chart_photos(closed.summary, texts, closed.group)
    return summary_parts(
        closed.summary,
        texts,
        closed.group,
        leader=leader,
        modules=list(closed.modules),
        photos=photos,
    )


def summary_parts(
    summary: WeekSummary,
    texts: Texts,
    group: Group,
    *,
    leader: bool,
    modules: list[Module],
    photos: list[PhotoPart],
) -> list[Part]:
    """The charts first (as many photos as it takes to stay readable), then the text split
    under Telegram's limit."""
    pieces = summary_pieces(summary, texts, group, leader=leader, modules=modules)
    return [*photos, *(TextPart(piece) for piece in pieces)]


def summary_pieces(
    summary: WeekSummary, texts: Texts, group: Group, *, leader: bool, modules: list[Module]
) -> list[str]:
    """The summary's text as its messages, each under Telegram's limit."""
    html = render_summary(summary, texts, group.name, leader=leader, modules=modules)
    return split_message(html)


def photo_parts(
    pngs: list[bytes], summary: WeekSummary, texts: Texts, group: Group
) -> list[PhotoPart]:
    """Every recipient of a week in one language gets the same pages, so each page carries a
    key the sender can re-use an upload by."""
    name = escape(_shortened(group.name, CAPTION_NAME_MAX))
    caption = texts("summary.chart_caption", group=name)
    return [
        PhotoPart(
            png,
            caption + (f" ({number}/{len(pngs)})" if len(pngs) > 1 else ""),
            chart_filename(summary, number),
            cache_key=f"chart:{group.id}:{summary.week.isoformat()}:{texts.language}:{number}",
        )
        for number, png in enumerate(pngs, start=1)
    ]


def chart_filename(summary: WeekSummary, number: int) -> str:
    return f"refleks-{summary.week.isoformat()}-{number}.png"


def so_far_text(found: WeekSoFar, group: Group, texts: Texts) -> str:
    """This week so far: participation only, never an answer (services.weekly says why)."""
    live = found.summary
    lines = [
        texts("summary.so_far_header", group=escape(group.name), week=live.week.isocalendar().week),
        texts("summary.members", members=live.participation.members),
    ]
    steps = [step for step in live.participation.steps if step.step_id in found.sent]
    lines += [_step_line(step, texts, live.threshold) for step in steps]
    if not steps:
        lines.append(texts("summary.so_far_nothing"))
    lines += ["", texts("summary.so_far_footer", closes=found.closes.strftime("%d.%m %H:%M"))]
    return "\n".join(lines)


def export_csv(summaries: list[WeekSummary], texts: Texts) -> bytes:
    """One row per shown figure; a text question's row has its count only, never the texts.
    Written for Norwegian spreadsheets: semicolons between fields, since the comma is their
    decimal sign, and the mean with a decimal comma (one decimal). Headers and kinds are in the
    reader's language."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(texts("export.csv_header").split(";"))
    scale, choice = texts("export.csv_scale"), texts("export.csv_choice")
    free_text = texts("export.csv_text")
    for summary in summaries:
        week = summary.week.isoformat()
        for result in summary.results:
            title = _plain_title(result)
            if isinstance(result, ScaleResult):
                for value, count in zip(range(1, 6), result.counts, strict=True):
                    mean = _decimal(result.mean, "nb")
                    writer.writerow([week, title, scale, result.total, value, count, mean])
            elif isinstance(result, ChoiceResult):
                for option, count in zip(result.options, result.counts, strict=True):
                    writer.writerow([week, title, choice, result.total, option, count, ""])
            else:
                writer.writerow([week, title, free_text, result.total, "", "", ""])
    return out.getvalue().encode("utf-8-sig")  # the BOM makes spreadsheet programs read UTF-8


def export_markdown(summaries: list[WeekSummary], group_name: str, texts: Texts) -> bytes:
    """The summaries for the meeting minutes, as Markdown: what people wrote (answers, names,
    and the content's titles too) is escaped, so that a viewer shows it as written."""
    t, md = texts, escape_markdown
    lines = [t("export.title", group=md(_one_line(group_name))), ""]
    for summary in summaries:
        week_no = summary.week.isocalendar().week
        lines += [t("export.week", week=week_no, monday=f"{summary.week:%d.%m.%Y}"), ""]
        p = summary.participation
        members = t("export.members", members=p.members)
        if p.rate_percent is not None:
            members += " " + t("export.rate", rate=p.rate_percent)
        lines.append(members)
        for result in summary.results:
            heading = f"### {md(_plain_title(result))}"
            lines += ["", heading, t("export.answers", count=result.total)]
            lines.append("")
            if isinstance(result, ScaleResult):
                low, high = (md(_one_line(label)) for label in result.labels)
                mean = _decimal(result.mean, t.language)
                lines.append(t("export.scale", low=low, high=high, mean=mean))
                lines += [f"- {v}: {c}" for v, c in zip(range(1, 6), result.counts, strict=True)]
            elif isinstance(result, ChoiceResult):
                options = (md(_one_line(option)) for option in result.options)
                lines += [f"- {o}: {c}" for o, c in zip(options, result.counts, strict=True)]
            else:
                lines += _markdown_texts(result.texts, t)
        lines.append("")
    return "\n".join(lines).encode()


def _markdown_texts(answers: tuple[str, ...], t: Texts) -> list[str]:
    kept = [f"- {escape_markdown(_one_line(text))}" for text in answers if text]
    return kept if len(kept) == len(answers) else [*kept, t("export.texts_deleted")]


def _one_line(text: str) -> str:
    """A list item or heading stays one: an answer's line breaks become spaces."""
    return " ".join(text.split())


def _plain_title(result: Result) -> str:
    titles = dict.fromkeys(q.prompt or q.title for q in result.questions)  # pooled: same prompt
    return _one_line(" / ".join(titles))


def render_summary(
    summary: WeekSummary, texts: Texts, group_name: str, *, leader: bool, modules: list[Module]
) -> str:
    """The summary as Telegram HTML. Every answer text is escaped here, and only here."""
    t = texts
    p = summary.participation
    week_no = summary.week.isocalendar().week
    lines = [
        t(
            "summary.header_leader" if leader else "summary.header_staff",
            group=escape(group_name),
            week=week_no,
        ),
        "",
    ]
    rate = t("summary.rate", rate=p.rate_percent) if p.rate_percent is not None else ""
    trend = ""
    if p.trend_points is not None:
        trend = t("summary.trend", points=f"{p.trend_points:+d}")
    lines.append(t("summary.members", members=p.members) + (f" {rate}" if rate else "") + trend)
    lines += [_step_line(step, t, summary.threshold) for step in p.steps]
    for result in summary.results:
        lines += ["", *_result_lines(result, t)]
    if summary.too_few:
        lines += ["", t("summary.too_few", threshold=summary.threshold)]
        lines += [f"• {escape(q.title)}" for q in summary.too_few]
    if not summary.results:
        lines += ["", t("summary.nothing_shown", threshold=summary.threshold)]
    if leader and modules:
        lines += ["", t("summary.starters")]
        for module in modules:
            words = module.text(t.language)
            support = words.leader_support
            lines += [f"<b>{escape(words.title)}</b>"]
            lines += [f"• {escape(q)}" for q in support.discussion_questions[:3]]
            plan = "; ".join(f"{i.minutes} min {escape(i.activity)}" for i in support.meeting_plan)
            lines += [t("summary.meeting_plan", plan=plan)]
    lines += [
        "",
        t(
            "summary.footer_leader" if leader else "summary.footer_staff",
            threshold=summary.threshold,
        ),
    ]
    return "\n".join(lines)


def _step_line(step: StepParticipation, t: Texts, threshold: int) -> str:
    if step.status is CountStatus.SHOWN:
        return t("summary.step_answered", title=escape(step.title), count=step.answered)
    return t("summary.step_few", title=escape(step.title), threshold=threshold)


def _question_title(result: Result) -> str:
    refs = result.questions
    head = escape(refs[0].prompt or refs[0].title)
    return f"<b>{head}</b>" + (f" (+{len(refs) - 1})" if len(refs) > 1 else "")


def _result_lines(result: Result, t: Texts) -> list[str]:
    lines = [_question_title(result), t("summary.answers", count=result.total)]
    if isinstance(result, ScaleResult):
        low, high = (escape(label) for label in result.labels)
        lines.append(t("summary.scale_ends", low=low, high=high))
        points = zip(range(1, 6), result.counts, strict=True)
        lines += [_bar(str(value), count) for value, count in points]
        lines.append(t("summary.mean", mean=_decimal(result.mean, t.language)))
    elif isinstance(result, ChoiceResult):
        options = zip(result.options, result.counts, strict=True)
        lines += [_bar(escape(option), count) for option, count in options]
    else:
        lines += _text_lines(result.texts, t)
    return lines


def _bar(label: str, count: int) -> str:
    return f"{label}: {BAR * count} {count}" if count else f"{label}: {count}"


def _text_lines(answers: tuple[str, ...], t: Texts) -> list[str]:
    """Each answer escaped on a line of its own; blanked ones (retention) as one short note."""
    kept = [f"💬 {escape(text)}" for text in answers if text]
    return kept if len(kept) == len(answers) else [*kept, t("summary.texts_deleted")]


def _decimal(value: float, language: str) -> str:
    number = f"{value:.1f}"
    return number if language == "en" else number.replace(".", ",")


def _shortened(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
