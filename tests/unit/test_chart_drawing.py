"""Summary charts drawn off the event loop: the worker processes, the thread and the inline
fallback all give the very pages drawing them here gives, and a week's recipients share one
drawing of them."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from concurrent.futures import Future
from concurrent.futures.process import BrokenProcessPool
from datetime import date
from typing import Any

import pytest

import bot.charts
from bot.charts import PAGE_HEIGHT, WIDTH, ChartDrawer, ChartItem, chart_items, chart_png_pages
from bot.summaries import Summaries
from content.loader import load_packages
from dialogues.i18n import Texts
from dialogues.outgoing import PhotoPart, TextPart
from domain.model import Group
from domain.summary import ChoiceResult, Participation, QuestionRef, ScaleResult, WeekSummary
from tests.unit.test_charts import png_size

WEEK = date(2026, 11, 23)
GROUP = Group(id=7, org_id=1, slug="laerere", name="Lærerne")
OPTIONS = (
    "Faste voksne i skolegården",
    "Klassemøte om vennskap og å være sammen",
    "Nye regler for garderoben",
    "Ingen tiltak ennå",
    "Noe annet enn dette",
)


def week_summary(questions: int = 3) -> WeekSummary:
    """A week of alternating choice and scale results: three make more than one page."""
    results: list[ScaleResult | ChoiceResult] = []
    for n in range(questions):
        ref = QuestionRef(
            f"q{n}", f"Steg {n}", f"Spørsmål {n}: hva prøvde dere ut på trinnet?", WEEK
        )
        if n % 2:
            results.append(ScaleResult((ref,), ("Lite", "Mye"), (1, 2, 5, 3, 1), 3.1))
        else:
            results.append(ChoiceResult((ref,), OPTIONS, (4, 7, 2, 0, 1)))
    return WeekSummary(
        week=WEEK,
        threshold=3,
        participation=Participation(members=20, steps=()),
        results=tuple(results),
        too_few=(),
    )


ITEMS = chart_items(week_summary())


def assert_pages_telegram_keeps_sharp(pngs: list[bytes]) -> None:
    assert len(pngs) > 1
    for png in pngs:
        width, height = png_size(png)  # checks the PNG signature too
        assert width == WIDTH and height <= PAGE_HEIGHT


async def test_worker_processes_draw_the_same_pages_as_drawing_them_here() -> None:
    drawer = ChartDrawer(workers=1)
    try:
        pooled = await drawer.draw(ITEMS, "nb")
        assert drawer.kind == "processes"
    finally:
        drawer.close()
    assert_pages_telegram_keeps_sharp(pooled)
    assert pooled == chart_png_pages(ITEMS, "nb")


def refuse_processes(*args: Any, **kwargs: Any) -> None:
    raise OSError(38, "Function not implemented")  # as where /dev/shm or fork is missing


async def test_without_processes_the_pages_are_drawn_in_a_thread_and_it_is_logged(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(bot.charts, "ProcessPoolExecutor", refuse_processes)
    drawer = ChartDrawer(workers=2)
    with caplog.at_level(logging.WARNING, logger="bot.charts"):
        first = await drawer.draw(ITEMS, "en")
        second = await drawer.draw(ITEMS, "en")
    drawer.close()
    assert drawer.kind == "thread"
    assert first == second == chart_png_pages(ITEMS, "en")
    assert len([r for r in caplog.records if "in a thread" in r.getMessage()]) == 1  # once


async def test_without_processes_or_threads_the_pages_are_drawn_inline(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def refuse_threads(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("can't start new thread")

    monkeypatch.setattr(bot.charts, "ProcessPoolExecutor", refuse_processes)
    monkeypatch.setattr(bot.charts, "ThreadPoolExecutor", refuse_threads)
    drawer = ChartDrawer(workers=1)
    with caplog.at_level(logging.WARNING, logger="bot.charts"):
        first = await drawer.draw(ITEMS, "nn")
        second = await drawer.draw(ITEMS, "nn")
    assert first == second == chart_png_pages(ITEMS, "nn")
    assert drawer.kind == "inline"
    assert len([r for r in caplog.records if "inline" in r.getMessage()]) == 1  # once


class DeadWorkers:
    """A process pool whose worker was killed (out of memory, say) while drawing."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        pass

    def submit(self, *args: Any) -> Future[list[bytes]]:
        future: Future[list[bytes]] = Future()
        future.set_exception(BrokenProcessPool("a worker died"))
        return future

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        pass


async def test_a_chart_whose_worker_died_is_still_drawn(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bot.charts, "ProcessPoolExecutor", DeadWorkers)
    drawer = ChartDrawer(workers=1)
    pngs = await drawer.draw(ITEMS, "nb")
    drawer.close()
    assert pngs == chart_png_pages(ITEMS, "nb")
    assert drawer.kind == "thread"


class CountingDrawer(ChartDrawer):
    """Draws here, after letting every other waiting render run first, and counts."""

    def __init__(self) -> None:
        super().__init__(workers=1)
        self.drawn: list[str] = []

    async def draw(self, items: Sequence[ChartItem], language: str) -> list[bytes]:
        self.drawn.append(language)
        await asyncio.sleep(0.01)  # the other recipients ask meanwhile
        return chart_png_pages(items, language)


def summaries(drawer: ChartDrawer) -> Summaries:
    return Summaries(load_packages(), 3, lambda package, modules: None, drawer)


async def test_a_weeks_recipients_share_one_drawing_per_language() -> None:
    drawer = CountingDrawer()
    service = summaries(drawer)
    summary = week_summary()
    staff = await asyncio.gather(*(service.photos(summary, Texts("nb"), GROUP) for _ in range(20)))
    english = await service.photos(summary, Texts("en"), GROUP)
    again = await service.photos(summary, Texts("nb"), GROUP)

    assert drawer.drawn == ["nb", "en"]  # twenty bokmål readers, one drawing
    assert all(photos == staff[0] for photos in [*staff, again])
    keys = [photo.cache_key for photo in staff[0]]
    assert keys == [f"chart:7:2026-11-23:nb:{n}" for n in range(1, len(keys) + 1)]
    assert {photo.cache_key for photo in english}.isdisjoint(keys)  # other words, other picture


async def test_the_summary_opens_with_its_chart_pages_as_drawing_here_gives_them() -> None:
    summary = week_summary()
    service = summaries(CountingDrawer())
    photos = await service.photos(summary, Texts("nb"), GROUP)
    parts = service.parts(summary, Texts("nb"), GROUP, leader=True, modules=[], photos=photos)

    assert parts[: len(photos)] == photos and isinstance(parts[-1], TextPart)
    here = summaries(CountingDrawer()).chart_photos(summary, Texts("nb"), GROUP)
    assert photos == here  # same bytes, captions, file names and keys
    assert_pages_telegram_keeps_sharp([photo.png for photo in photos])
    assert all(isinstance(photo, PhotoPart) and photo.cache_key for photo in photos)


async def test_a_drawing_that_failed_is_tried_again_not_remembered() -> None:
    class FailingOnce(CountingDrawer):
        async def draw(self, items: Sequence[ChartItem], language: str) -> list[bytes]:
            if not self.drawn:
                self.drawn.append("failed")
                raise OSError("disk full")
            return await super().draw(items, language)

    service = summaries(FailingOnce())
    with pytest.raises(OSError):
        await service.photos(week_summary(), Texts("nb"), GROUP)
    assert await service.photos(week_summary(), Texts("nb"), GROUP)


async def test_a_week_without_figures_to_draw_starts_no_worker() -> None:
    drawer = CountingDrawer()
    summary = week_summary(questions=0)
    assert await summaries(drawer).photos(summary, Texts("nb"), GROUP) == []
    assert drawer.drawn == []
