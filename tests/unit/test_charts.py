"""The summary chart: a PNG Telegram accepts as a photo and a phone can read."""

from __future__ import annotations

import struct
import subprocess
import sys
from datetime import date

import pytest

from bot.charts import (
    PAGE_HEIGHT,
    WIDTH,
    ChartItem,
    chart_items,
    chart_pages,
    distribution_chart,
)
from domain.summary import (
    ChoiceResult,
    Participation,
    QuestionRef,
    ScaleResult,
    TextResult,
    WeekSummary,
)

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
TEN_MB = 10 * 1024 * 1024

LONG_TITLE = (
    "I hvilken grad opplever du at de voksne på skolen griper inn raskt og tydelig når en elev "
    "blir holdt utenfor i friminuttene, på gangen eller i garderoben før gymtimene?"
)
SCALE = ChartItem(
    LONG_TITLE,
    ("1", "2", "3", "4", "5"),
    (2, 3, 6, 4, 1),
    mean=2.9,
    end_labels=("I svært liten grad", "I svært stor grad"),
)
CHOICE = ChartItem(
    "Hvilket tiltak prøvde dere ut på trinnet denne uka, og hvordan ble det mottatt?",
    (
        "Faste voksne i skolegården",
        "Klassemøte om vennskap og å være sammen",
        "Nye regler for garderoben",
        "Ingen tiltak ennå",
        "Noe annet enn dette",
        "Vet ikke",
    ),
    (4, 7, 2, 0, 1, 3),
)


def png_size(png: bytes) -> tuple[int, int]:
    assert png[:8] == PNG_MAGIC
    width, height = struct.unpack(">II", png[16:24])  # the IHDR chunk comes first
    return width, height


def assert_telegram_accepts_as_photo(png: bytes) -> tuple[int, int]:
    width, height = png_size(png)
    assert len(png) < TEN_MB
    assert width + height <= 10_000
    assert max(width, height) / min(width, height) <= 20
    return width, height


@pytest.mark.parametrize("count", range(1, 9))
def test_one_to_eight_questions_make_a_photo_telegram_accepts(count: int) -> None:
    items = [SCALE if index % 2 == 0 else CHOICE for index in range(count)]
    width, _ = assert_telegram_accepts_as_photo(distribution_chart(items))
    assert width == WIDTH


def test_more_questions_make_a_taller_chart() -> None:
    _, one = png_size(distribution_chart([CHOICE]))
    _, two = png_size(distribution_chart([CHOICE, CHOICE]))
    assert two > 2 * one * 0.9


def test_long_titles_wrap_onto_more_lines_instead_of_running_off() -> None:
    short = ChartItem("Trygghet", SCALE.labels, SCALE.counts, SCALE.mean, SCALE.end_labels)
    _, short_height = png_size(distribution_chart([short]))
    _, long_height = png_size(distribution_chart([SCALE]))
    assert long_height >= short_height + 2 * 50  # at least two more title lines


def test_a_word_longer_than_a_line_does_not_break_the_chart() -> None:
    item = ChartItem("Æøå" * 60, ("Ja", "Nei"), (5, 5))
    assert_telegram_accepts_as_photo(distribution_chart([item], language="nn"))


def test_all_zero_counts_still_draw() -> None:
    item = ChartItem("Ingen valgte noe her", ("Ja", "Nei"), (0, 0))
    assert_telegram_accepts_as_photo(distribution_chart([item], language="en"))


def test_nothing_or_too_much_is_refused() -> None:
    with pytest.raises(ValueError, match="1 to 8"):
        distribution_chart([])
    with pytest.raises(ValueError, match="1 to 8"):
        distribution_chart([CHOICE] * 9)
    with pytest.raises(ValueError, match="one count per label"):
        ChartItem("x", ("a", "b"), (1,))
    with pytest.raises(ValueError, match="negative"):
        ChartItem("x", ("a", "b"), (1, -1))


def test_pages_keep_the_order_and_each_stays_within_what_telegram_keeps() -> None:
    short = ChartItem("Kort spørsmål?", ("Ja", "Nei"), (6, 4))
    items = [SCALE, short, short, CHOICE, SCALE, short, CHOICE, short]
    pages = chart_pages(items)
    assert [item for page in pages for item in page] == items
    assert len(pages) < len(items)  # short panels share a page
    for page in pages:
        _, height = png_size(distribution_chart(page))
        assert height <= PAGE_HEIGHT


def test_items_come_from_the_summary_results_only() -> None:
    ref = QuestionRef("trygg", "Trygghet", "Hvor trygt er det?", date(2026, 11, 16))
    summary = WeekSummary(
        week=date(2026, 11, 16),
        threshold=5,
        participation=Participation(members=10, steps=()),
        results=(
            ScaleResult((ref,), ("Lite", "Mye"), (0, 1, 2, 1, 1), 3.4),
            TextResult((ref,), ("a", "b", "c", "d", "e")),
            ChoiceResult((ref,), ("Ja", "Nei"), (3, 2)),
        ),
        too_few=(),
    )
    scale, choice = chart_items(summary)
    assert scale == ChartItem(
        "Hvor trygt er det?", ("1", "2", "3", "4", "5"), (0, 1, 2, 1, 1), 3.4, ("Lite", "Mye")
    )
    assert choice == ChartItem("Hvor trygt er det?", ("Ja", "Nei"), (3, 2))


def test_importing_the_module_or_drawing_never_loads_matplotlib() -> None:
    """Pillow draws; matplotlib lends only its font files (importing it costs a second)."""
    code = (
        "import sys, bot.charts as c; c.distribution_chart([c.ChartItem('Ja?', ('Ja',), (3,))]);"
        " print('matplotlib' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"
