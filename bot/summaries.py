"""Weekly summaries as their recipients get them, with the charts: the chart pages drawn once
per week and language, off the event loop, and a summary delivery turned into its parts.
Closing a week, and what a summary may show, is services.weekly's; the wording is
dialogues.summary_views'.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import date

from bot.charts import ChartDrawer, chart_items, chart_png_pages
from content.loader import Catalogue
from content.schema import Module
from dialogues.i18n import Texts
from dialogues.outgoing import Part, PhotoPart, TextPart
from dialogues.summary_views import (
    chart_filename,
    export_csv,
    export_markdown,
    photo_parts,
    render_summary,
    summary_parts,
    summary_pieces,
)
from domain.deliveries import Delivery, Kind
from domain.model import Group
from domain.summary import WeekSummary
from services.caching import RecentlyUsed
from services.schedule import Outline
from services.unit_of_work import UnitOfWork
from services.weekly import WeekSummaries

__all__ = ["Summaries", "chart_pngs", "export_csv", "export_markdown", "render_summary"]

log = logging.getLogger(__name__)
CHART_CACHE_SIZE = 32  # (group, week, language): every recipient of a week gets the same photos
ChartKey = tuple[int, date, str]  # group id, week, language
TEXT_CACHE_SIZE = 128  # (group, week, language, leader or staff, group name): a week's text
TextKey = tuple[int, date, str, bool, str]


class Summaries(WeekSummaries):
    """The weekly summaries' use cases (services.weekly) with their charts: what the clock
    closes weeks with, and what draws and caches the chart pages."""

    def __init__(
        self,
        catalogue: Catalogue,
        threshold: int,
        outline: Outline,
        drawer: ChartDrawer | None = None,
    ) -> None:
        super().__init__(catalogue, threshold, outline)
        self.drawer = drawer if drawer is not None else ChartDrawer()  # its pool starts lazily
        # A snapshot never changes and its charts hold no text, so a week's photos are drawn
        # once per language, not once per recipient; a week being drawn is waited for, not
        # drawn again.
        self._charts: RecentlyUsed[ChartKey, list[bytes]] = RecentlyUsed(CHART_CACHE_SIZE)
        self._drawing: dict[ChartKey, asyncio.Task[list[bytes]]] = {}
        self._pieces: RecentlyUsed[TextKey, list[str]] = RecentlyUsed(TEXT_CACHE_SIZE)

    def close(self) -> None:
        """Stops the chart workers (the application's shutdown)."""
        self.drawer.close()

    async def render(self, uow: UnitOfWork, delivery: Delivery, texts: Texts) -> list[Part] | None:
        """A summary delivery's parts; None when its week has no snapshot. A week's text is
        written and split once per version (group name, language, leader or staff), not once
        per recipient: they all get the same."""
        closed = await self.delivered_week(uow, delivery, texts.language)
        if closed is None:
            return None
        leader = delivery.kind == Kind.LEADER_SUMMARY
        photos = await self.photos(closed.summary, texts, closed.group)
        group, week = closed.group, closed.summary.week
        key = (group.id, week, texts.language, leader, group.name)
        pieces = self._pieces.get(key)
        if pieces is None:
            modules = list(closed.modules)
            pieces = summary_pieces(closed.summary, texts, group, leader=leader, modules=modules)
            self._pieces.put(key, pieces)
        return [*photos, *(TextPart(piece) for piece in pieces)]

    async def forget_texts(self, uow: UnitOfWork, before: date) -> int:
        stripped = await super().forget_texts(uow, before)
        if stripped:
            self._pieces.clear()  # no week's texts are sent again once retention took them
        return stripped

    def parts(
        self,
        summary: WeekSummary,
        texts: Texts,
        group: Group,
        *,
        leader: bool,
        modules: list[Module],
        photos: list[PhotoPart] | None = None,
    ) -> list[Part]:
        """As `summary_parts`; without `photos` the charts are drawn here, on the caller's
        thread."""
        if photos is None:
            photos = self.chart_photos(summary, texts, group)
        return summary_parts(summary, texts, group, leader=leader, modules=modules, photos=photos)

    async def photos(self, summary: WeekSummary, texts: Texts, group: Group) -> list[PhotoPart]:
        """The week's chart pages as photos, drawn off the event loop (by `drawer`)."""
        key = (group.id, summary.week, texts.language)
        pngs = self._charts.get(key)
        if pngs is None:
            drawing = self._drawing.get(key)
            if drawing is None:
                drawing = asyncio.create_task(self._draw(key, summary, texts.language))
                self._drawing[key] = drawing
            # shielded: one recipient's render given up does not stop the others' drawing
            pngs = await asyncio.shield(drawing)
        return photo_parts(pngs, summary, texts, group)

    def chart_photos(self, summary: WeekSummary, texts: Texts, group: Group) -> list[PhotoPart]:
        """As `photos`, but drawn here and now when not drawn before (no event loop needed)."""
        key = (group.id, summary.week, texts.language)
        pngs = self._charts.get(key)
        if pngs is None:
            pngs = [png for png, _ in chart_pngs(summary, texts.language)]
            self._charts.put(key, pngs)
        return photo_parts(pngs, summary, texts, group)

    async def _draw(self, key: ChartKey, summary: WeekSummary, language: str) -> list[bytes]:
        try:
            items = chart_items(summary)
            pngs = await self.drawer.draw(items, language) if items else []
            self._charts.put(key, pngs)
            return pngs
        finally:
            del self._drawing[key]


def chart_pngs(summary: WeekSummary, language: str) -> list[tuple[bytes, str]]:
    """The week's distributions as PNGs, each page short enough that Telegram keeps it sharp,
    drawn here and now."""
    items = chart_items(summary)
    if not items:
        return []
    pngs = chart_png_pages(items, language)
    return [(png, chart_filename(summary, number)) for number, png in enumerate(pngs, start=1)]
