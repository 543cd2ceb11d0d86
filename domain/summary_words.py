"""A frozen summary read in another language: the content's words swapped by step id.

A week's snapshot is frozen once, with the package's bokmål words in it, and read by leaders and
staff in three languages. Only the words change here: titles, prompts, options and scale labels,
looked up by step id. Figures, answer texts and the order of everything stay as frozen, and an
option is renamed only in its place, since counts belong to positions.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

from domain.summary import (
    ChoiceResult,
    QuestionRef,
    Result,
    ScaleResult,
    WeekSummary,
)


@dataclass(frozen=True)
class StepWords:
    """A step's words in one language."""

    title: str
    prompt: str | None
    options: tuple[str, ...] = ()
    scale_labels: tuple[str, ...] = ()


def in_words(summary: WeekSummary, words: Mapping[str, StepWords]) -> WeekSummary:
    """`summary` with every step's words from `words`; a step missing there keeps its own."""
    if not words:
        return summary
    participation = summary.participation
    steps = tuple(
        replace(step, title=words[step.step_id].title) if step.step_id in words else step
        for step in participation.steps
    )
    return replace(
        summary,
        participation=replace(participation, steps=steps),
        results=tuple(_result(result, words) for result in summary.results),
        too_few=tuple(_ref(ref, words) for ref in summary.too_few),
    )


def _ref(ref: QuestionRef, words: Mapping[str, StepWords]) -> QuestionRef:
    found = words.get(ref.step_id)
    return ref if found is None else replace(ref, title=found.title, prompt=found.prompt)


def _result(result: Result, words: Mapping[str, StepWords]) -> Result:
    refs = tuple(_ref(ref, words) for ref in result.questions)
    first = words.get(result.questions[0].step_id) if result.questions else None
    if isinstance(result, ScaleResult):
        labels = first.scale_labels if first else ()
        if len(labels) == 2:
            return replace(result, questions=refs, labels=(labels[0], labels[1]))
    elif isinstance(result, ChoiceResult):
        options = first.options if first else ()
        if len(options) == len(result.options):
            return replace(result, questions=refs, options=options)
    return replace(result, questions=refs)
