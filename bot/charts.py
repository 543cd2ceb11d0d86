"""The weekly summary's distributions as one PNG, drawn to be read on a phone.

It takes only aggregates the summary already allowed (`domain.summary`); it never sees answers.
Layout is in pixels on a 1080-px-wide canvas: each question a panel with its wrapped title, then
one horizontal bar per option (its label above it) or per scale point (the digit beside it), the
count at the bar's end, and for a scale the two end labels and the mean as a dashed line.

Telegram shrinks photos to 1280 px on the longer side, so a tall image loses its text: send long
summaries as an album of `chart_pages`, each at most 1080 x 1280. matplotlib is imported inside
the functions, so importing this module stays cheap for the bot's start-up.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from domain.summary import ChoiceResult, ScaleResult, WeekSummary

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.font_manager import FontProperties
    from matplotlib.patches import Rectangle

WIDTH = 1080
PAGE_HEIGHT = 1280  # what Telegram keeps of a photo's longer side
MAX_ITEMS = 8
DPI = 100
MARGIN = 56
TOP = 40
# Large on purpose: in a chat on a phone, the 1080-px photo is shown some 300 points wide.
TITLE_PT, CAPTION_PT, LABEL_PT, COUNT_PT = 30, 22, 26, 26
TITLE_LINE, CAPTION_LINE, LABEL_LINE = 52, 40, 44
TITLE_GAP = 6
BAR = 52
BAR_GAP = 16
DIGIT_COLUMN = 60  # a scale's digits stand beside the bars
COUNT_ROOM = 110  # right of the longest bar, for its count
PANEL_GAP = 60
INK, MUTED, BAR_COLOUR, TRACK, MEAN_COLOUR = "#1f2933", "#52606d", "#2f6db5", "#e6ebf1", "#c2410c"
_DASHES = (0, (3, 2))
WORDS = {
    "nb": ("svar", "Snitt"),
    "nn": ("svar", "Snitt"),
    "en": ("answers", "Mean"),
}


@dataclass(frozen=True)
class ChartItem:
    title: str
    labels: tuple[str, ...]  # a scale: "1".."5"; a choice: the options
    counts: tuple[int, ...]
    mean: float | None = None  # a scale's mean, on the 1..n positions of `labels`
    end_labels: tuple[str, str] | None = None  # a scale: what the first and last point mean

    def __post_init__(self) -> None:
        if not self.labels or len(self.labels) != len(self.counts):
            raise ValueError(f"{self.title!r}: one count per label, at least one label")
        if any(count < 0 for count in self.counts):
            raise ValueError(f"{self.title!r}: counts cannot be negative")

    @property
    def is_scale(self) -> bool:
        return self.mean is not None or self.end_labels is not None


def chart_items(summary: WeekSummary) -> list[ChartItem]:
    """The summary's scale and choice results, titled by their latest question's prompt."""
    items: list[ChartItem] = []
    for result in summary.results:
        latest = result.questions[-1]
        title = latest.prompt or latest.title
        if isinstance(result, ScaleResult):
            labels = tuple(str(point) for point in range(1, len(result.counts) + 1))
            items.append(ChartItem(title, labels, result.counts, result.mean, result.labels))
        elif isinstance(result, ChoiceResult):
            items.append(ChartItem(title, result.options, result.counts))
    return items


def chart_pages(
    items: Sequence[ChartItem], language: str = "nb", max_height: int = PAGE_HEIGHT
) -> list[list[ChartItem]]:
    """`items` in order, grouped so each group's chart is at most `max_height` px tall.

    An item taller than `max_height` on its own (very long title and options) gets a page alone.
    """
    measure = _Measure()
    words = _words(language)
    pages: list[list[ChartItem]] = []
    height = 0
    for item in items:
        panel = _panel_height(item, measure, words)
        if pages and len(pages[-1]) < MAX_ITEMS and height + PANEL_GAP + panel <= max_height:
            pages[-1].append(item)
            height += PANEL_GAP + panel
        else:
            pages.append([item])
            height = 2 * TOP + panel
    return pages


def distribution_chart(items: Sequence[ChartItem], language: str = "nb") -> bytes:
    """A PNG, 1080 px wide, one panel per item (1 to 8), top to bottom."""
    if not 1 <= len(items) <= MAX_ITEMS:
        raise ValueError(f"a chart shows 1 to {MAX_ITEMS} questions, not {len(items)}")
    from matplotlib.figure import Figure

    measure = _Measure()
    words = _words(language)
    heights = [_panel_height(item, measure, words) for item in items]
    height = 2 * TOP + sum(heights) + PANEL_GAP * (len(items) - 1)
    figure = Figure(figsize=(WIDTH / DPI, height / DPI), dpi=DPI, facecolor="white")
    axes = figure.add_axes((0, 0, 1, 1))
    axes.set_xlim(0, WIDTH)
    axes.set_ylim(height, 0)  # y grows downwards, as on the screen
    axes.set_axis_off()

    top = TOP
    for index, (item, panel) in enumerate(zip(items, heights, strict=True)):
        if index:
            separator = top - PANEL_GAP / 2
            axes.plot([MARGIN, WIDTH - MARGIN], [separator, separator], color=TRACK, lw=2)
        _draw_panel(axes, item, top, measure, words, language)
        top += panel + PANEL_GAP

    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI)  # PNG is drawn by the Agg backend
    return buffer.getvalue()


class _Measure:
    """Text widths in pixels, a little generous: Agg's hinting draws up to 2 % wider."""

    def __init__(self) -> None:
        from matplotlib.textpath import TextToPath

        self.text_to_path = TextToPath()

    def font(self, size: float, bold: bool = False) -> FontProperties:
        from matplotlib.font_manager import FontProperties

        return FontProperties(family="DejaVu Sans", size=size, weight="bold" if bold else "normal")

    def width(self, text: str, font: FontProperties) -> float:
        points, _, _ = self.text_to_path.get_text_width_height_descent(text, font, ismath=False)
        return points * DPI / 72 * 1.03

    def wrap(self, text: str, font: FontProperties, room: float) -> list[str]:
        lines: list[str] = []
        line = ""
        for word in text.split():
            candidate = f"{line} {word}" if line else word
            if self.width(candidate, font) <= room:
                line = candidate
                continue
            if line:
                lines.append(line)
            line = word
            while self.width(line, font) > room and len(line) > 1:  # a word wider than a line
                cut = len(line) - 1
                while cut > 1 and self.width(line[:cut] + "-", font) > room:
                    cut -= 1
                lines.append(line[:cut] + "-")
                line = line[cut:]
        return [*lines, line] if line else lines or [""]


_ROOM = WIDTH - 2 * MARGIN


def _caption(item: ChartItem, words: tuple[str, str]) -> str:
    parts = [f"{sum(item.counts)} {words[0]}"]
    if item.end_labels is not None:
        parts.append(f"{item.labels[0]} = {item.end_labels[0]}")
        parts.append(f"{item.labels[-1]} = {item.end_labels[1]}")
    return "  ·  ".join(parts)


def _mean_text(mean: float, words: tuple[str, str], language: str) -> str:
    number = f"{mean:.1f}"
    return f"{words[1]} {number if language == 'en' else number.replace('.', ',')}"


def _words(language: str) -> tuple[str, str]:
    return WORDS.get(language, WORDS["nb"])


def _panel_height(item: ChartItem, measure: _Measure, words: tuple[str, str]) -> int:
    title_lines = len(measure.wrap(item.title, measure.font(TITLE_PT, bold=True), _ROOM))
    caption_lines = len(measure.wrap(_caption(item, words), measure.font(CAPTION_PT), _ROOM))
    caption_lines += item.mean is not None
    height = title_lines * TITLE_LINE + TITLE_GAP + caption_lines * CAPTION_LINE + 14
    if item.is_scale:
        return height + len(item.labels) * (BAR + BAR_GAP)
    label_font = measure.font(LABEL_PT)
    for label in item.labels:
        height += len(measure.wrap(label, label_font, _ROOM)) * LABEL_LINE + BAR + BAR_GAP
    return height


def _draw_panel(
    axes: Axes,
    item: ChartItem,
    top: float,
    measure: _Measure,
    words: tuple[str, str],
    language: str,
) -> None:
    title_font = measure.font(TITLE_PT, bold=True)
    for line in measure.wrap(item.title, title_font, _ROOM):
        axes.text(MARGIN, top, line, fontproperties=title_font, color=INK, va="top")
        top += TITLE_LINE
    top += TITLE_GAP
    caption_font = measure.font(CAPTION_PT)
    for line in measure.wrap(_caption(item, words), caption_font, _ROOM):
        axes.text(MARGIN, top, line, fontproperties=caption_font, color=MUTED, va="top")
        top += CAPTION_LINE
    if item.mean is not None:  # a legend: this dashed line is the mean
        middle = top + CAPTION_LINE / 2 - 2
        axes.plot([MARGIN, MARGIN + 44], [middle, middle], color=MEAN_COLOUR, lw=4, ls=_DASHES)
        mean_font = measure.font(CAPTION_PT, bold=True)
        text = _mean_text(item.mean, words, language)
        axes.text(MARGIN + 56, top, text, fontproperties=mean_font, color=MEAN_COLOUR, va="top")
        top += CAPTION_LINE
    top += 14

    bar_left = MARGIN + (DIGIT_COLUMN if item.is_scale else 0)
    bar_room = WIDTH - MARGIN - COUNT_ROOM - bar_left
    most = max(max(item.counts), 1)
    label_font, count_font = measure.font(LABEL_PT), measure.font(COUNT_PT, bold=True)
    first_bar_middle = top + BAR / 2
    for label, count in zip(item.labels, item.counts, strict=True):
        if item.is_scale:
            axes.text(
                MARGIN, top + BAR / 2, label, fontproperties=count_font, color=INK, va="center"
            )
        else:
            for line in measure.wrap(label, label_font, _ROOM):
                axes.text(MARGIN, top, line, fontproperties=label_font, color=INK, va="top")
                top += LABEL_LINE
        axes.add_patch(_bar(bar_left, top, bar_room + COUNT_ROOM - 8, TRACK))
        length = bar_room * count / most
        if count:
            axes.add_patch(_bar(bar_left, top, length, BAR_COLOUR))
        axes.text(
            bar_left + length + 14,
            top + BAR / 2,
            str(count),
            fontproperties=count_font,
            color=INK,
            va="center",
            zorder=4,  # above the mean's line, on a patch of track so the line stops short of it
            bbox={"facecolor": TRACK, "edgecolor": "none", "pad": 4},
        )
        top += BAR + BAR_GAP

    if item.mean is not None:
        # The mean sits between the bars of the points it falls between.
        y = first_bar_middle + (item.mean - 1) * (BAR + BAR_GAP)
        end = bar_left + bar_room  # where the longest bar ends, short of its count
        axes.plot([bar_left - 10, end], [y, y], color=MEAN_COLOUR, lw=5, ls=_DASHES, zorder=3)


def _bar(left: float, top: float, length: float, colour: str) -> Rectangle:
    from matplotlib.patches import Rectangle

    return Rectangle((left, top), length, BAR, facecolor=colour, edgecolor="none", zorder=1)
