"""(7) Charts: the CPU a group's weekly chart pages cost, drawn as the bot draws them.

    .venv/bin/python bench/bench_charts.py [--groups 100]

The school package's scale and choice questions, six to a summary (a full week of them; their
long prompts make five or six pages), with counts that differ from group to group, drawn in
this process (the bot draws them in worker processes; the CPU a page is the same). The
baseline, measured in the same run: encoding blank pages of the same sizes as PNG, the floor
any renderer pays.
"""

from __future__ import annotations

import argparse
import io
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PIL import Image

from bench.support import emit
from bot.charts import ChartItem, chart_pages, chart_png_pages
from content.loader import load_packages
from content.schema import Question
from domain.model import QuestionKind

PACKAGE = "skolemiljo"
PER_SUMMARY = 6
GOAL_MS = 40.0  # a group's pages, from issue 13


def week_items(rng: random.Random, questions: list[Question]) -> list[ChartItem]:
    """Six of the package's scale and choice questions, with random counts."""
    items = []
    for question in rng.sample(questions, PER_SUMMARY):
        if question.kind is QuestionKind.SCALE:
            counts = tuple(rng.randint(0, 6) for _ in range(5))
            labels = (str(question.scale_labels[0]), str(question.scale_labels[1]))  # type: ignore[index]
            mean = sum((i + 1) * c for i, c in enumerate(counts)) / max(sum(counts), 1)
            items.append(
                ChartItem(question.prompt or "", ("1", "2", "3", "4", "5"), counts, mean, labels)
            )
        else:
            options = tuple(str(option) for option in question.options or ())
            counts = tuple(rng.randint(0, 8) for _ in options)
            items.append(ChartItem(question.prompt or "", options, counts))
    return items


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--groups", type=int, default=100)
    groups = parser.parse_args().groups
    rng = random.Random(2026)
    questions = [
        step.question
        for module in load_packages()[PACKAGE].modules
        for step in module.steps
        if step.question.kind in (QuestionKind.SCALE, QuestionKind.CHOICE)
    ]
    summaries = [week_items(rng, questions) for _ in range(groups)]
    chart_png_pages(summaries[0])  # fonts loaded and measured once, as in a warm worker
    started, pages, sizes = time.process_time(), 0, []
    for items in summaries:
        drawn = chart_png_pages(items)
        pages += len(drawn)
        sizes += [Image.open(io.BytesIO(page)).size for page in drawn]
    drawing = (time.process_time() - started) / groups * 1000
    started = time.process_time()
    for size in sizes:
        Image.new("RGB", size, "white").save(io.BytesIO(), format="png", compress_level=3)
    blank = (time.process_time() - started) / groups * 1000
    per_page = len(chart_pages(summaries[0]))
    print(f"charts: {groups} groups, {pages} pages ({per_page} for the first group)")
    print(
        f"  {drawing:.1f} ms CPU a group = {drawing / blank:.1f} x encoding blank pages of the "
        f"same sizes ({blank:.1f} ms, same run); goal {GOAL_MS:.0f} ms: {drawing / GOAL_MS:.2f} x"
    )
    emit("charts", ms_per_group=round(drawing, 1), blank_ms=round(blank, 1), pages=pages)


if __name__ == "__main__":
    main()
