"""The weekly summary's distributions as one PNG, drawn to be read on a phone.

It takes only aggregates the summary already allowed (`domain.summary`); it never sees answers.
Layout is in pixels on a 1080-px-wide canvas: each question a panel with its wrapped title, then
one horizontal bar per option (its label above it) or per scale point (the digit beside it), the
count at the bar's end, and for a scale the two end labels and the mean as a dashed line.

Telegram shrinks photos to 1280 px on the longer side, so a tall image loses its text: send long
summaries as an album of `chart_pages`, each at most 1080 x 1280. matplotlib is imported inside
the functions, so importing this module stays cheap for the bot's start-up.

Drawing is CPU work that holds the GIL: the bot draws through a `ChartDrawer`, in worker
processes, so the event loop goes on taking updates and sending meanwhile.
"""

from __future__ import annotations

import asyncio
import io
import logging
import multiprocessing
import os
from collections.abc import Sequence
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import TYPE_CHECKING, Any

from domain.summary import ChoiceResult, ScaleResult, WeekSummary

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from matplotlib.figure import Figure
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import TextToPath

WIDTH = 1080
PAGE_HEIGHT = 1280  # what Telegram keeps of a photo's longer side
MAX_ITEMS = 8
DPI = 100
PNG_COMPRESSION = 3  # zlib level: 1 fastest, 9 smallest
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
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from PIL import Image

    words = _words(language)
    heights = [_panel_height(item, words) for item in items]
    height = 2 * TOP + sum(heights) + PANEL_GAP * (len(items) - 1)
    figure = Figure(figsize=(WIDTH / DPI, height / DPI), dpi=DPI, facecolor="white")
    canvas = FigureCanvasAgg(figure)
    # No Axes (their ticks, spines and limits cost more than the panels): every artist is placed
    # in pixels, y growing downwards as on the screen.
    draw = _Pen(figure, height)
    top = TOP
    for index, (item, panel) in enumerate(zip(items, heights, strict=True)):
        if index:
            separator = top - PANEL_GAP / 2
            draw.line((MARGIN, WIDTH - MARGIN), (separator, separator), TRACK, 2)
        _draw_panel(draw, item, top, words, language)
        top += panel + PANEL_GAP

    canvas.draw()  # type: ignore[no-untyped-call]  # backend_agg has no annotations
    pixels = canvas.buffer_rgba()  # type: ignore[no-untyped-call]
    image = Image.frombuffer("RGBA", canvas.get_width_height(), pixels)
    buffer = io.BytesIO()
    # Opaque anyway: RGB is a quarter less to compress, and level 3 is about as small as the
    # default 6 at two thirds of the time.
    image.convert("RGB").save(buffer, format="png", compress_level=PNG_COMPRESSION)
    return buffer.getvalue()


class ChartDrawer:
    """Draws chart pages off the event loop, which also takes updates and sends.

    Matplotlib holds the GIL while it draws (some 60 ms a page), so the pages are drawn in worker
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
    (each worker holds matplotlib, some 80 MB)."""
    return max(1, min(MAX_WORKERS, (os.cpu_count() or 2) - 1))


def _warm_up() -> None:
    """In a new worker: load matplotlib and the fonts before the first chart is asked for."""
    _width("Refleks", TITLE_PT, True)
    _font(LABEL_PT)


class _Pen:
    """Draws on a figure in pixels from its top left corner."""

    def __init__(self, figure: Figure, height: float) -> None:
        from matplotlib.transforms import Affine2D

        self.figure = figure
        self.pixels = Affine2D().scale(1, -1).translate(0, height)

    def text(
        self, x: float, y: float, text: str, font: FontProperties, colour: str, **how: Any
    ) -> None:
        from matplotlib.text import Text

        self.figure.add_artist(
            Text(x, y, text, fontproperties=font, color=colour, transform=self.pixels, **how)
        )

    def line(
        self,
        xs: tuple[float, float],
        ys: tuple[float, float],
        colour: str,
        width: float,
        **how: Any,
    ) -> None:
        from matplotlib.lines import Line2D

        self.figure.add_artist(Line2D(xs, ys, color=colour, lw=width, transform=self.pixels, **how))

    def bar(self, left: float, top: float, length: float, colour: str) -> None:
        from matplotlib.patches import Rectangle

        bar = Rectangle(
            (left, top),
            length,
            BAR,
            facecolor=colour,
            edgecolor="none",
            zorder=1,
            transform=self.pixels,
        )
        self.figure.add_artist(bar)


@cache
def _font(size: float, bold: bool = False) -> FontProperties:
    from matplotlib.font_manager import FontProperties

    return FontProperties(family="DejaVu Sans", size=size, weight="bold" if bold else "normal")


@cache
def _text_to_path() -> TextToPath:
    from matplotlib.textpath import TextToPath

    return TextToPath()


@lru_cache(maxsize=MEASURE_CACHE_SIZE)
def _width(text: str, size: float, bold: bool) -> float:
    """Pixels, a little generous: Agg's hinting draws up to 2 % wider."""
    points, _, _ = _text_to_path().get_text_width_height_descent(
        text, _font(size, bold), ismath=False
    )
    return float(points) * DPI / 72 * 1.03


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
        draw.text(MARGIN, top, line, title_font, INK, va="top")
        top += TITLE_LINE
    top += TITLE_GAP
    for line in _wrap(_caption(item, words), CAPTION_PT):
        draw.text(MARGIN, top, line, _font(CAPTION_PT), MUTED, va="top")
        top += CAPTION_LINE
    if item.mean is not None:  # a legend: this dashed line is the mean
        middle = top + CAPTION_LINE / 2 - 2
        draw.line((MARGIN, MARGIN + 44), (middle, middle), MEAN_COLOUR, 4, ls=_DASHES)
        text = _mean_text(item.mean, words, language)
        draw.text(MARGIN + 56, top, text, _font(CAPTION_PT, bold=True), MEAN_COLOUR, va="top")
        top += CAPTION_LINE
    top += 14

    bar_left = MARGIN + (DIGIT_COLUMN if item.is_scale else 0)
    bar_room = WIDTH - MARGIN - COUNT_ROOM - bar_left
    most = max(max(item.counts), 1)
    label_font, count_font = _font(LABEL_PT), _font(COUNT_PT, bold=True)
    first_bar_middle = top + BAR / 2
    for label, count in zip(item.labels, item.counts, strict=True):
        if item.is_scale:
            draw.text(MARGIN, top + BAR / 2, label, count_font, INK, va="center")
        else:
            for line in _wrap(label, LABEL_PT):
                draw.text(MARGIN, top, line, label_font, INK, va="top")
                top += LABEL_LINE
        draw.bar(bar_left, top, bar_room + COUNT_ROOM - 8, TRACK)
        length = bar_room * count / most
        if count:
            draw.bar(bar_left, top, length, BAR_COLOUR)
        draw.text(
            bar_left + length + 14,
            top + BAR / 2,
            str(count),
            count_font,
            INK,
            va="center",
            zorder=4,  # above the mean's line, on a patch of track so the line stops short of it
            bbox={"facecolor": TRACK, "edgecolor": "none", "pad": 4},
        )
        top += BAR + BAR_GAP

    if item.mean is not None:
        # The mean sits between the bars of the points it falls between.
        y = first_bar_middle + (item.mean - 1) * (BAR + BAR_GAP)
        end = bar_left + bar_room  # where the longest bar ends, short of its count
        draw.line((bar_left - 10, end), (y, y), MEAN_COLOUR, 5, ls=_DASHES, zorder=3)
