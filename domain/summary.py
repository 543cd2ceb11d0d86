"""The anonymous weekly summary a leader receives: answers in, figures that protect people out.

Pooling rule: an answer is shown at most once, in exactly one set of at least `threshold`
answers written by at least `threshold` different people. Counting answers alone would not do:
two people answering three pooled questions make six answers, and a leader who knows who took
part could read those two people's answers off them.

- Scale and choice answers pool by pool key: answers to questions with the same pool key, the
  same kind and the same options (choice) or end labels (scale), across weeks. A pool is shown
  when it holds enough answers from enough people; it is then shown whole, and its answers are
  never input again, so the pool starts afresh. Until then it waits, silently, for later weeks.
- Free-text answers pool the same way, and only the same way: a text is shown only in a set of
  its own pool, under its question. A text says which question it answers, so the people who
  could have written it are that question's writers, whatever else it is shown next to: a set
  mixing texts of several questions (the former "earlier answers" list) would show a question
  answered by one person as if five might have written it. A text pool that is short waits in
  its pool for later weeks (the same question asked again) until it is enough, or until the
  retention erases it.
- People are counted without knowing who wrote what: answers carry no member. `respondents`
  gives, per (step id, week), opaque tokens of people who wrote the input answers of that step
  and week (storage gives the step's participation that week, for (step, week)s none of whose
  answers has been shown). All answers of a (step, week) fall in the same pool, so each of those
  people wrote an answer of the set that holds them, and a set counts the different tokens of its
  (step, week)s. The count can only err low: a missing token (a member who used /forget) counts
  as nobody, and so do all tokens of a (step, week) with an answer left out of the pools (see the
  end), since that answer's writer may have none in the set. Tokens serve this count only:
  nothing of them reaches the output.
- Every figure therefore describes a fresh, disjoint set of at least `threshold` answers by at
  least `threshold` people, and no count below the threshold can be worked out by subtracting
  one summary from another.

What the output may contain: a set's total is always >= threshold. The bucket counts inside a
distribution (how many chose 2 on the scale) may be anything, 0 and 1 included: they are parts of
a shown set, as on any anonymous survey, and describe no person's whole answer history.

Participation: a step's answered count and its rate are shown only when the count is >= threshold.
They are withheld too when the step's answers were shown together with fewer than `threshold`
other answers, or with other answers by fewer than `threshold` people, since the set's total
minus the step's count would reveal how many answers those few gave. The group's size is shown
as is: the leader knows it, and it says nothing about answers. The week's answer rate (all
answers over members x steps) is shown only when every step's count is, since a hidden count
would follow from the rate and the shown ones; the trend compares it with last week's.

Answers that do not fit their question (unknown step, a scale value outside 1-5, a choice outside
the options, an empty text) and answers for later weeks are left out and never marked shown.
"""

from __future__ import annotations

import hashlib
import operator
import re
from bisect import bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from itertools import accumulate, repeat

from domain.model import QuestionKind
from domain.telegram_html import utf16_length

SCALE_POINTS = (1, 2, 3, 4, 5)
# the lowest anonymity threshold a deployment may set: below it a set of answers is a few people
THRESHOLD_FLOOR = 3


@dataclass(frozen=True, kw_only=True)
class QuestionInfo:
    step_id: str
    title: str
    kind: QuestionKind
    prompt: str | None = None
    options: tuple[str, ...] = ()  # choice only
    scale_labels: tuple[str, str] | None = None  # scale only: the labels for 1 and for 5
    pool_key: str = ""  # empty: the step id, so a question pools with itself across weeks
    week: date  # the Monday of the week the step was sent

    def __post_init__(self) -> None:
        if self.kind is QuestionKind.SCALE and self.scale_labels is None:
            raise ValueError(f"scale question {self.step_id} needs its two end labels")
        if self.kind is QuestionKind.CHOICE and len(self.options) < 2:
            raise ValueError(f"choice question {self.step_id} needs at least two options")
        if not self.pool_key:
            object.__setattr__(self, "pool_key", self.step_id)


@dataclass(frozen=True)
class AnswerIn:
    answer_id: str  # opaque and random: it says nothing about who or when
    step_id: str
    week: date  # the Monday of the week the answer counts for
    scale: int | None = None
    choice: int | None = None  # index into the options
    text: str | None = None


@dataclass(frozen=True)
class ParticipationIn:
    members: int
    answered_per_step: Mapping[str, int]  # this week's steps
    last_week_rate: int | None = None  # the week rate last week's summary showed, in percent


RespondentKey = tuple[str, date]  # (step id, week)


@dataclass(frozen=True)
class SummaryInput:
    week: date  # the Monday of the ISO week this summary closes
    threshold: int
    questions: Sequence[QuestionInfo]  # in the order the rollout sent them
    answers: Sequence[AnswerIn]  # not shown in any earlier summary
    participation: ParticipationIn
    # Who wrote the answers of each (step id, week), as opaque tokens that tell people apart and
    # nothing more; a token missing counts as nobody. Never part of the output.
    respondents: Mapping[RespondentKey, frozenset[str]]

    def __post_init__(self) -> None:
        if self.threshold < THRESHOLD_FLOOR:
            raise ValueError(
                f"the anonymity threshold must be at least {THRESHOLD_FLOOR}, not {self.threshold}"
            )
        if self.week.weekday() != 0:
            raise ValueError(f"a summary's week is given by its Monday, not {self.week}")
        step_ids = [question.step_id for question in self.questions]
        if len(set(step_ids)) != len(step_ids):
            raise ValueError("each step may appear only once among the questions")
        object.__setattr__(self, "questions", tuple(self.questions))
        object.__setattr__(self, "answers", tuple(self.answers))
        respondents = {key: frozenset(tokens) for key, tokens in self.respondents.items()}
        object.__setattr__(self, "respondents", respondents)


class CountStatus(StrEnum):
    SHOWN = "shown"
    TOO_FEW = "too_few"  # fewer than the threshold
    WITHHELD = "withheld"  # enough, but shown together with too few others: see the docstring


@dataclass(frozen=True)
class StepParticipation:
    step_id: str
    title: str
    status: CountStatus
    answered: int | None = None  # only when shown
    rate_percent: int | None = None  # only when shown


@dataclass(frozen=True)
class Participation:
    members: int
    steps: tuple[StepParticipation, ...]
    rate_percent: int | None = None  # the week's, only when every step's count is shown
    trend_points: int | None = None  # against last week's rate, when both are known


@dataclass(frozen=True)
class QuestionRef:
    step_id: str
    title: str
    prompt: str | None
    week: date


@dataclass(frozen=True)
class ScaleResult:
    questions: tuple[QuestionRef, ...]  # every question whose answers are in the set
    labels: tuple[str, str]
    counts: tuple[int, ...]  # for 1, 2, 3, 4, 5
    mean: float  # one decimal, rounded half up

    @property
    def total(self) -> int:
        return sum(self.counts)


@dataclass(frozen=True)
class ChoiceResult:
    questions: tuple[QuestionRef, ...]
    options: tuple[str, ...]
    counts: tuple[int, ...]  # per option

    @property
    def total(self) -> int:
        return sum(self.counts)


@dataclass(frozen=True)
class TextResult:
    questions: tuple[QuestionRef, ...]
    texts: tuple[str, ...]  # in an order derived from the texts, never the arrival order

    @property
    def total(self) -> int:
        return len(self.texts)


Result = ScaleResult | ChoiceResult | TextResult


@dataclass(frozen=True)
class WeekSummary:
    week: date
    threshold: int
    participation: Participation
    results: tuple[Result, ...]
    too_few: tuple[QuestionRef, ...]  # this week's questions not shown: "too few answers yet"
    shown_answer_ids: frozenset[str] = field(default_factory=frozenset)


_PoolSignature = tuple[QuestionKind, str, tuple[str, ...]]


def summarize(data: SummaryInput) -> WeekSummary:
    """The summary for `data.week`: a function of `data` alone (see the module docstring)."""
    questions = {question.step_id: question for question in data.questions}
    order = {question.step_id: index for index, question in enumerate(data.questions)}
    pools: dict[_PoolSignature, list[AnswerIn]] = {}
    left_out: set[RespondentKey] = set()
    for answer in data.answers:
        question = questions.get(answer.step_id)
        if answer.week <= data.week and question is not None and _fits(answer, question):
            pools.setdefault(_signature(question), []).append(answer)
        else:
            left_out.add(_key(answer))
    people = _People(data.respondents, frozenset(left_out))

    def enough(answers: Sequence[AnswerIn]) -> bool:
        return len(answers) >= data.threshold and people.count(answers) >= data.threshold

    shown_sets: list[tuple[Result, list[AnswerIn]]] = []
    for signature, answers in pools.items():
        pool_questions = _questions_of(answers, questions, order)
        if enough(answers):
            shown_sets.append((_result(signature, pool_questions, answers, data.week), answers))
    shown_sets.sort(key=lambda shown: min(order[ref.step_id] for ref in shown[0].questions))
    shown_answers = [answer for _, answers in shown_sets for answer in answers]

    named = {ref.step_id for result, _ in shown_sets for ref in result.questions}
    this_week = [question for question in data.questions if question.week == data.week]
    too_few = tuple(
        _ref(question)
        for question in this_week
        if question.kind is not QuestionKind.NONE and question.step_id not in named
    )
    answer_sets = [answers for _, answers in shown_sets]
    return WeekSummary(
        week=data.week,
        threshold=data.threshold,
        participation=_participation(data, this_week, answer_sets, people),
        results=tuple(result for result, _ in shown_sets),
        too_few=too_few,
        shown_answer_ids=frozenset(answer.answer_id for answer in shown_answers),
    )


def _key(answer: AnswerIn) -> RespondentKey:
    return (answer.step_id, answer.week)


@dataclass(frozen=True)
class _People:
    """A floor on how many different people wrote a set of answers (see the module docstring)."""

    respondents: Mapping[RespondentKey, frozenset[str]]
    left_out: frozenset[RespondentKey]  # keys with an answer outside every set: count nobody

    def count(self, answers: Iterable[AnswerIn]) -> int:
        keys = {_key(answer) for answer in answers} - self.left_out
        tokens: set[str] = set()
        for key in keys:
            tokens |= self.respondents.get(key, frozenset())
        return len(tokens)


def _fits(answer: AnswerIn, question: QuestionInfo) -> bool:
    if question.kind is QuestionKind.SCALE:
        return answer.scale in SCALE_POINTS
    if question.kind is QuestionKind.CHOICE:
        return answer.choice is not None and 0 <= answer.choice < len(question.options)
    if question.kind is QuestionKind.TEXT:
        return bool(answer.text and answer.text.strip())
    return False


def _signature(question: QuestionInfo) -> _PoolSignature:
    if question.kind is QuestionKind.SCALE:
        return (question.kind, question.pool_key, tuple(question.scale_labels or ()))
    return (question.kind, question.pool_key, question.options)


def _ref(question: QuestionInfo) -> QuestionRef:
    return QuestionRef(question.step_id, question.title, question.prompt, question.week)


def _questions_of(
    answers: list[AnswerIn], questions: Mapping[str, QuestionInfo], order: Mapping[str, int]
) -> tuple[QuestionInfo, ...]:
    step_ids = sorted({answer.step_id for answer in answers}, key=order.__getitem__)
    return tuple(questions[step_id] for step_id in step_ids)


def _result(
    signature: _PoolSignature,
    pool_questions: tuple[QuestionInfo, ...],
    answers: list[AnswerIn],
    week: date,
) -> Result:
    kind, _, labels = signature
    refs = tuple(_ref(question) for question in pool_questions)
    if kind is QuestionKind.SCALE:
        counts = tuple(sum(1 for a in answers if a.scale == point) for point in SCALE_POINTS)
        total = sum(point * count for point, count in zip(SCALE_POINTS, counts, strict=True))
        return ScaleResult(refs, (labels[0], labels[1]), counts, _mean(total, len(answers)))
    if kind is QuestionKind.CHOICE:
        counts = tuple(sum(1 for a in answers if a.choice == index) for index in range(len(labels)))
        return ChoiceResult(refs, labels, counts)
    return TextResult(refs, _ordered_texts(answers, week))


def _mean(total: int, count: int) -> float:
    """One decimal, half up, in integer arithmetic so 2.25 does not become 2.2."""
    tenths = (20 * total + count) // (2 * count)
    return tenths / 10


def _ordered_texts(answers: Sequence[AnswerIn], week: date) -> tuple[str, ...]:
    """Sorted by a hash of week and text: looks shuffled, yet arrival order cannot leak through."""
    texts = [answer.text or "" for answer in answers]
    return tuple(sorted(texts, key=lambda text: (_digest(week, text), text)))


def _digest(week: date, text: str) -> str:
    return hashlib.sha256(f"{week.isoformat()}\n{text}".encode()).hexdigest()


def _percent(part: int, whole: int) -> int:
    return (200 * part + whole) // (2 * whole)


def _participation(
    data: SummaryInput,
    this_week: Sequence[QuestionInfo],
    answer_sets: Sequence[list[AnswerIn]],
    people: _People,
) -> Participation:
    threshold = data.threshold
    members = data.participation.members
    counts = {q.step_id: data.participation.answered_per_step.get(q.step_id, 0) for q in this_week}
    withheld: set[str] = set()
    for answers in answer_sets:
        steps_in_set = {answer.step_id for answer in answers}
        counted = [step_id for step_id in steps_in_set if counts.get(step_id, 0) >= threshold]
        # What a leader can work out (the total minus the shown counts), and what it stands for.
        derived = len(answers) - sum(counts[step_id] for step_id in counted)
        rest = [answer for answer in answers if answer.step_id not in counted]
        too_few_people = bool(rest) and people.count(rest) < threshold
        if 0 < derived < threshold or 0 < len(rest) < threshold or too_few_people:
            withheld.update(counted)

    steps: list[StepParticipation] = []
    for question in this_week:
        count = counts[question.step_id]
        if question.step_id in withheld:
            status = CountStatus.WITHHELD
        else:
            status = CountStatus.SHOWN if count >= threshold else CountStatus.TOO_FEW
        shown = status is CountStatus.SHOWN
        rate = _percent(count, members) if shown and members > 0 else None
        steps.append(
            StepParticipation(
                question.step_id, question.title, status, count if shown else None, rate
            )
        )

    week_rate = trend = None
    if steps and members > 0 and all(step.status is CountStatus.SHOWN for step in steps):
        week_rate = _percent(sum(counts.values()), members * len(steps))
        if data.participation.last_week_rate is not None:
            trend = week_rate - data.participation.last_week_rate
    return Participation(members, tuple(steps), week_rate, trend)


# Splitting long messages ---------------------------------------------------------------------

# An atom is a tag, an entity, or one character: a cut never falls inside the first two. They are
# read a run at a time: a tag, an entity, a run of characters that start neither (each character
# an atom of its own), or a "<" or "&" that starts neither.
_TAG_PATTERN = r"""<(?:[^<>"']|"[^"]*"|'[^']*')*>"""
_TAG = re.compile(_TAG_PATTERN)
_CHUNK = re.compile(
    f"({_TAG_PATTERN})"
    r"|(&(?:[a-zA-Z]+|#[0-9]+|#[xX][0-9a-fA-F]+);)"
    r"|([^<&]+)"
    r"|(.)",
    re.DOTALL,
)
_WIDE = re.compile("[\U00010000-\U0010ffff]")
_TAG_NAME = re.compile(r"</?\s*([A-Za-z][A-Za-z0-9-]*)")


def split_message(html: str, limit: int = 4096) -> list[str]:
    """Telegram-sized parts of `html`, each at most `limit` UTF-16 code units of source.

    Cuts fall at the last paragraph break ("\\n\\n") that fits, else the last line break, else the
    last space, else between elements, else anywhere; never inside a tag or an entity. The
    whitespace at a cut is dropped, and so are tags with no text after them.
    A tag still open at a cut is closed at the end of the part and opened again at the start of
    the next, so every part is valid HTML on its own. Counting the source rather than the visible
    text errs on the safe side of Telegram's limit.
    """
    whole = _whole(html, limit)
    if whole is not None:
        return whole
    atoms = _Atoms(html)
    parts: list[str] = []
    start = 0
    while True:
        while start < atoms.text_ends and atoms.items[start].isspace():
            start += 1
        if start >= atoms.text_ends:
            return parts
        end = atoms.cut(start, limit)
        body_end = end
        while atoms.items[body_end - 1].isspace():
            body_end -= 1
        reopen = "".join(tag for _, tag in atoms.stacks[start])
        close = "".join(f"</{name}>" for name, _ in reversed(atoms.stacks[body_end]))
        parts.append(reopen + "".join(atoms.items[start:body_end]) + close)
        start = end


def _whole(html: str, limit: int) -> list[str] | None:
    """`split_message` of an `html` that fits in one part as it stands, worked out from its tags
    alone (most staff summaries); None when it does not fit, to be cut atom by atom."""
    size = utf16_length(html.lstrip())  # the whitespace at the end counts, as in a cut
    if size > limit:
        return None
    if not _TAG.sub("", html).strip():
        return []  # only tags and whitespace: nothing worth a message
    still_open = _open_tags_before(_TAG.findall(html))[-1]
    close = "".join(f"</{name}>" for name, _ in reversed(still_open))
    return [html.strip() + close] if size + len(close) <= limit else None


Stack = tuple[tuple[str, str], ...]  # the tags open at a position, outermost first: (name, tag)


def _open_tags_before(atoms: Sequence[str]) -> list[Stack]:
    """For each position between atoms: the tags open there."""
    stacks: list[Stack] = [()]
    for atom in atoms:
        stacks.append(_after(stacks[-1], atom))
    return stacks


def _after(stack: Stack, atom: str) -> Stack:
    """The tags open after `atom`, given those open before it."""
    name_match = _TAG_NAME.match(atom) if atom.startswith("<") and len(atom) > 1 else None
    if name_match is None:
        return stack
    name = name_match.group(1).lower()
    if atom.startswith("</"):
        names = [open_name for open_name, _ in stack]
        if name in names:
            return stack[: len(names) - 1 - names[::-1].index(name)]
        return stack
    if atom.rstrip(">").rstrip().endswith("/"):
        return stack
    return (*stack, (name, atom))


class _Atoms:
    """`html` as atoms (a tag, an entity or one character) with what a cut needs to know, counted
    once: the size before each position (UTF-16), the text atoms before it, the tags open there
    and what closing them costs. A summary is thousands of atoms, cut every 4,096: they are read
    a run of plain characters at a time, and each run's characters are added in bulk."""

    def __init__(self, html: str) -> None:
        self.items: list[str] = []
        self.stacks: list[Stack] = [()]
        sizes: list[int] = []
        tags: list[int] = []  # where the tags are among the atoms
        stack: Stack = ()
        for tag, entity, run, single in _CHUNK.findall(html):
            if run:
                at = len(self.items)
                self.items.extend(run)
                sizes.extend(repeat(1, len(run)))
                for wide in _WIDE.finditer(run):  # outside the Basic Multilingual Plane: two
                    sizes[at + wide.start()] = 2
                self.stacks.extend(repeat(stack, len(run)))
                continue
            atom = tag or entity or single
            if tag:
                tags.append(len(self.items))
                stack = _after(stack, tag)
            self.items.append(atom)
            sizes.append(utf16_length(atom))
            self.stacks.append(stack)
        is_text = list(map(operator.not_, map(str.isspace, self.items)))
        for at in tags:
            is_text[at] = False
        self.size_before = [0, *accumulate(sizes)]
        self.texts_before = [0, *accumulate(is_text)]
        # Past the last visible character only whitespace and tags remain: nothing worth a message.
        self.text_ends = self.texts_before.index(self.texts_before[-1])
        distinct = {id(stack): stack for stack in self.stacks}  # the stacks are shared tuples
        closing = {key: sum(len(name) + 3 for name, _ in stack) for key, stack in distinct.items()}
        self.close_cost = [closing[id(stack)] for stack in self.stacks]

    def cut(self, start: int, limit: int) -> int:
        """Where the part starting at `start` ends: the best cut that keeps the part within
        `limit`, the latest of the best kind (searched from the furthest end that fits back)."""
        items, stacks = self.items, self.stacks
        base = sum(utf16_length(tag) for _, tag in stacks[start]) - self.size_before[start]
        furthest = bisect_right(self.size_before, limit - base, lo=start + 1) - 1
        found: dict[str, int] = {}
        for end in range(furthest, start, -1):
            if base + self.size_before[end] + self.close_cost[end] > limit:
                continue
            if self.texts_before[end] == self.texts_before[start]:
                break  # no text in the part: nor in any shorter one
            if end == len(items):
                return end
            following = items[end]
            if following == "\n" and end + 1 < len(items) and items[end + 1] == "\n":
                return end  # the best kind of cut, and the latest of it
            if following == "\n":
                found.setdefault("line", end)
            elif following.isspace():
                found.setdefault("space", end)
            if not stacks[end]:
                found.setdefault("outside", end)  # between elements: no tag to close and reopen
            found.setdefault("anywhere", end)
        for kind in ("line", "space", "outside", "anywhere"):
            if kind in found:
                return found[kind]
        raise ValueError(f"a limit of {limit} leaves no room for the text after the tags around it")
