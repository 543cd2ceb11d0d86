"""The weekly summary's distributions as one PNG, drawn to be read on a phone.

It takes only aggregates the summary already allowed (`domain.summary`); it never sees answers.
Layout is in pixels on a 1080-px-wide canvas: each question a panel with its wrapped title, then
one horizontal bar per option (its label above it) or per scale point (the digit beside it), the
count at the bar's end, and for a scale the two end labels and the mean as a dashed line.

Telegram shrinks photos to 1280 px on the longer side, so a tall image loses its text: send long
summaries as an album of `chart_pages`, each at most 1080 x 1280. Pillow draws the bars and the
text (FreeType, DejaVu Sans from matplotlib's copy of the font; matplotlib itself is never
imported): some 15 ms a page, a quarter of what laying the same page out in matplotlib took.

Drawing is CPU work that holds the GIL: the bot draws through a `ChartDrawer`, in worker
processes, so the event loop goes on taking updates and sending meanwhile.
"""

from __future__ import annotations

import asyncio
import importlib.util
import io
import logging
import multiprocessing
import os
from collections.abc import Sequence
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from domain.summary import ChoiceResult, ScaleResult, WeekSummary

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from PIL.ImageDraw import ImageDraw
    from PIL.ImageFont import FreeTypeFont

WIDTH = 1080
PAGE_HEIGHT = 1280  # what Telegram keeps of a photo's longer side
MAX_ITEMS = 8
DPI = 100
PNG_COMPRESSION = 3  # zlib level: 1 fastest, 9 smallest
PALETTE = 64  # colours in the PNG
MEASURE_CACHE_SIZE = 4096  # measured strings per process
MAX_WORKERS = 4
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
PATCH_PAD = 6  # around a count, so the mean's line stops short of it
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
    words = _words(language)
    pages: list[list[ChartItem]] = []
    height = 0
    for item in items:
        panel = _panel_height(item, words)
        if pages and len(pages[-1]) < MAX_ITEMS and height + PANEL_GAP + panel <= max_height:
            pages[-1].append(item)
            height += PANEL_GAP + panel
        else:
            pages.append([item])
            height = 2 * TOP + panel
    return pages


def chart_png_pages(items: Sequence[ChartItem], language: str = "nb") -> list[bytes]:
    """`items` as PNG pages (`chart_pages`, then `distribution_chart`): plain data in, bytes out,
    so a worker process can draw them."""
    return [distribution_chart(page, language) for page in chart_pages(items, language)]


def distribution_chart(items: Sequence[ChartItem], language: str = "nb") -> bytes:
    """A PNG, 1080 px wide, one panel per item (1 to 8), top to bottom."""
    if not 1 <= len(items) <= MAX_ITEMS:
        raise ValueError(f"a chart shows 1 to {MAX_ITEMS} questions, not {len(items)}")
    from PIL import Image, ImageDraw

    words = _words(language)
    heights = [_panel_height(item, words) for item in items]
    height = 2 * TOP + sum(heights) + PANEL_GAP * (len(items) - 1)
    image = Image.new("RGB", (WIDTH, height), "white")
    draw = _Pen(ImageDraw.Draw(image))
    top = TOP
    for index, (item, panel) in enumerate(zip(items, heights, strict=True)):
        if index:
            separator = top - PANEL_GAP / 2
            draw.line((MARGIN, WIDTH - MARGIN), separator, TRACK, 2)
        _draw_panel(draw, item, top, words, language)
        top += panel + PANEL_GAP
    # A few flat colours and their anti-aliased edges: 64 palette entries keep every edge as
    # it was drawn, and an indexed PNG is half the bytes and two thirds of the time of RGB.
    indexed = image.quantize(PALETTE, Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE)
    buffer = io.BytesIO()
    indexed.save(buffer, format="png", compress_level=PNG_COMPRESSION)
    return buffer.getvalue()


class ChartDrawer:
    """Draws chart pages off the event loop, which also takes updates and sends.

    Drawing holds the GIL (some 15 ms a page), so the pages are drawn in worker
    processes: one fewer than the CPUs (the event loop keeps one), started on the first chart and
    shut down by `close`. Where no process can be started, they are drawn in one thread (it still
    lets the loop run between its GIL turns), and where no thread can be, inline: a slow loop
    rather than a summary without its chart. Each step down is logged, once.
    """

    def __init__(self, workers: int | None = None) -> None:
        self.workers = workers if workers is not None else default_workers()
        self.kind = "processes"  # where charts are drawn; then "thread", then "inline"
        self._executor: Executor | None = None

    async def draw(self, items: Sequence[ChartItem], language: str) -> list[bytes]:
        """`chart_png_pages(items, language)`, drawn elsewhere."""
        plain = list(items)  # a frozen dataclass of str, int, float and tuples pickles as is
        loop = asyncio.get_running_loop()
        while self.kind != "inline":
            try:
                drawing = loop.run_in_executor(self._pool(), chart_png_pages, plain, language)
            except (OSError, RuntimeError) as error:  # no process (or thread) could be started
                self._step_down(error)
                continue
            try:
                return await drawing
            except BrokenProcessPool as error:  # a worker died (killed, out of memory)
                self._step_down(error)
        return chart_png_pages(plain, language)

    def close(self) -> None:
        """Stops the workers without waiting for them (a chart being drawn is dropped); a later
        chart starts them again."""
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None

    def _pool(self) -> Executor:
        if self._executor is None:
            if self.kind == "processes":
                # spawn, not fork: a fork of a process with threads (aiosqlite's, the pool's
                # own) can inherit a lock held by a thread that does not exist in the child.
                context = multiprocessing.get_context("spawn")
                self._executor = ProcessPoolExecutor(
                    self.workers, mp_context=context, initializer=_warm_up
                )
            else:
                self._executor = ThreadPoolExecutor(1, thread_name_prefix="charts")
        return self._executor

    def _step_down(self, error: BaseException) -> None:
        self.close()
        if self.kind == "processes":
            self.kind = "thread"
            log.warning("charts: no worker process (%r); drawing them in a thread", error)
        else:
            self.kind = "inline"
            log.warning("charts: no thread either (%r); drawing them inline, on the loop", error)


def default_workers() -> int:
    """One fewer than the CPUs, so the event loop keeps one; at least one, and at most four
    (each worker holds Pillow and its fonts)."""
    return max(1, min(MAX_WORKERS, (os.cpu_count() or 2) - 1))


def _warm_up() -> None:
    """In a new worker: load the fonts before the first chart is asked for."""
    _width("Refleks", TITLE_PT, True)
    _font(LABEL_PT)


class _Pen:
    """Draws on an image in pixels from its top left corner; sizes in points, as designed."""

    def __init__(self, draw: ImageDraw) -> None:
        self.draw = draw

    def text(
        self,
        x: float,
        y: float,
        text: str,
        font: FreeTypeFont,
        colour: str,
        *,
        middle: bool = False,
        patch: str | None = None,
    ) -> None:
        """`text` from `x`, its top at `y` (or, `middle`, its middle), on a `patch` if given."""
        anchor = "lm" if middle else "la"
        if patch is not None:
            left, upper, right, lower = self.draw.textbbox((x, y), text, font, anchor)
            pad = PATCH_PAD
            self.draw.rectangle((left - pad, upper - pad, right + pad, lower + pad), fill=patch)
        self.draw.text((x, y), text, fill=colour, font=font, anchor=anchor)

    def line(
        self, xs: tuple[float, float], y: float, colour: str, points: float, dashed: bool = False
    ) -> None:
        """A horizontal line `points` thick; `dashed`: dashes three widths long, two apart."""
        width = max(1, round(points * DPI / 72))
        if not dashed:
            self.draw.line((xs[0], y, xs[1], y), fill=colour, width=width)
            return
        start, dash, gap = xs[0], 3 * width, 2 * width
        while start < xs[1]:
            self.draw.line((start, y, min(start + dash, xs[1]), y), fill=colour, width=width)
            start += dash + gap

    def bar(self, left: float, top: float, length: float, colour: str) -> None:
        if length > 0:
            self.draw.rectangle((left, top, left + length, top + BAR - 1), fill=colour)


def _font_file(bold: bool) -> str:
    """DejaVu Sans, from matplotlib's own copy (found without importing matplotlib)."""
    spec = importlib.util.find_spec("matplotlib")
    assert spec is not None and spec.submodule_search_locations is not None
    folder = Path(next(iter(spec.submodule_search_locations))) / "mpl-data" / "fonts" / "ttf"
    return str(folder / ("DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"))


@cache
def _font(size: float, bold: bool = False) -> FreeTypeFont:
    from PIL import ImageFont

    return ImageFont.truetype(_font_file(bold), size * DPI / 72)


@lru_cache(maxsize=MEASURE_CACHE_SIZE)
def _width(text: str, size: float, bold: bool) -> float:
    """Pixels, a little generous, so a wrapped line never touches the margin."""
    return float(_font(size, bold).getlength(text)) * 1.02


@lru_cache(maxsize=MEASURE_CACHE_SIZE)
def _wrap(
    text: str, size: float, bold: bool = False, room: float = WIDTH - 2 * MARGIN
) -> tuple[str, ...]:
    """`text` in lines at most `room` px wide. Remembered: every group of a package is asked the
    same questions, so titles and options are measured once per process, not once per chart."""
    lines: list[str] = []
    line = ""
    for word in text.split():
        candidate = f"{line} {word}" if line else word
        if _width(candidate, size, bold) <= room:
            line = candidate
            continue
        if line:
            lines.append(line)
        line = word
        while _width(line, size, bold) > room and len(line) > 1:  # a word wider than a line
            cut = len(line) - 1
            while cut > 1 and _width(line[:cut] + "-", size, bold) > room:
                cut -= 1
            lines.append(line[:cut] + "-")
            line = line[cut:]
    return (*lines, line) if line else tuple(lines) or ("",)


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


def _panel_height(item: ChartItem, words: tuple[str, str]) -> int:
    title_lines = len(_wrap(item.title, TITLE_PT, True))
    caption_lines = len(_wrap(_caption(item, words), CAPTION_PT))
    caption_lines += item.mean is not None
    height = title_lines * TITLE_LINE + TITLE_GAP + caption_lines * CAPTION_LINE + 14
    if item.is_scale:
        return height + len(item.labels) * (BAR + BAR_GAP)
    for label in item.labels:
        height += len(_wrap(label, LABEL_PT)) * LABEL_LINE + BAR + BAR_GAP
    return height


def _draw_panel(
    draw: _Pen, item: ChartItem, top: float, words: tuple[str, str], language: str
) -> None:
    title_font = _font(TITLE_PT, bold=True)
    for line in _wrap(item.title, TITLE_PT, True):
        draw.text(MARGIN, top, line, title_font, INK)
        top += TITLE_LINE
    top += TITLE_GAP
    for line in _wrap(_caption(item, words), CAPTION_PT):
        draw.text(MARGIN, top, line, _font(CAPTION_PT), MUTED)
        top += CAPTION_LINE
    if item.mean is not None:  # a legend: this dashed line is the mean
        middle = top + CAPTION_LINE / 2 - 2
        draw.line((MARGIN, MARGIN + 44), middle, MEAN_COLOUR, 4, dashed=True)
        text = _mean_text(item.mean, words, language)
        draw.text(MARGIN + 56, top, text, _font(CAPTION_PT, bold=True), MEAN_COLOUR)
        top += CAPTION_LINE
    top += 14

    bar_left = MARGIN + (DIGIT_COLUMN if item.is_scale else 0)
    bar_room = WIDTH - MARGIN - COUNT_ROOM - bar_left
    most = max(max(item.counts), 1)
    label_font, count_font = _font(LABEL_PT), _font(COUNT_PT, bold=True)
    first_bar_middle = top + BAR / 2
    counts = []  # drawn last, above the mean's line
    for label, count in zip(item.labels, item.counts, strict=True):
        if item.is_scale:
            draw.text(MARGIN, top + BAR / 2, label, count_font, INK, middle=True)
        else:
            for line in _wrap(label, LABEL_PT):
                draw.text(MARGIN, top, line, label_font, INK)
                top += LABEL_LINE
        draw.bar(bar_left, top, bar_room + COUNT_ROOM - 8, TRACK)
        length = bar_room * count / most
        draw.bar(bar_left, top, length, BAR_COLOUR)
        counts.append((bar_left + length + 14, top + BAR / 2, str(count)))
        top += BAR + BAR_GAP

    if item.mean is not None:
        # The mean sits between the bars of the points it falls between.
        y = first_bar_middle + (item.mean - 1) * (BAR + BAR_GAP)
        end = bar_left + bar_room  # where the longest bar ends, short of its count
        draw.line((bar_left - 10, end), y, MEAN_COLOUR, 5, dashed=True)
    for x, y, text in counts:
        draw.text(x, y, text, count_font, INK, middle=True, patch=TRACK)
