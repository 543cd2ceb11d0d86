"""The weekly summary: what a leader may see, and that no small group of answers leaks out."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from random import Random

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from domain.model import QuestionKind
from domain.summary import (
    AnswerIn,
    ChoiceResult,
    CountStatus,
    ParticipationIn,
    QuestionInfo,
    RespondentKey,
    ScaleResult,
    SummaryInput,
    TextResult,
    WeekSummary,
    split_message,
    summarize,
)
from domain.telegram_html import html_errors, utf16_length

WEEK = date(2026, 11, 16)  # a Monday
NEXT_WEEK = WEEK + timedelta(weeks=1)
LABELS = ("Ikke i det hele tatt", "I stor grad")
OPTIONS = ("Ja", "Delvis", "Nei")


def scale_question(step_id: str, week: date = WEEK, pool_key: str = "") -> QuestionInfo:
    return QuestionInfo(
        step_id=step_id,
        title=f"Steg {step_id}",
        kind=QuestionKind.SCALE,
        prompt="Hvor trygge er elevene i friminuttene?",
        scale_labels=LABELS,
        pool_key=pool_key,
        week=week,
    )


def text_question(step_id: str, week: date = WEEK) -> QuestionInfo:
    return QuestionInfo(
        step_id=step_id,
        title=f"Steg {step_id}",
        kind=QuestionKind.TEXT,
        prompt="Hva så du?",
        week=week,
    )


def scale_answers(step_id: str, values: Sequence[int], week: date = WEEK) -> list[AnswerIn]:
    return [AnswerIn(f"{step_id}-{week}-{i}", step_id, week, scale=v) for i, v in enumerate(values)]


Respondents = dict[RespondentKey, frozenset[str]]
TOKEN = "token:"  # what every respondent token starts with, so the output can be searched for one


def respondents_of(
    answers: Iterable[AnswerIn], writer: Mapping[str, str], forgotten: Collection[str] = ()
) -> Respondents:
    """Per (step, week), who wrote its answers, as tokens: what storage gives from the
    participation table. `writer` maps an answer id to a person; the forgotten have none."""
    found: dict[RespondentKey, set[str]] = {}
    for answer in answers:
        if writer[answer.answer_id] in forgotten:
            continue
        token = f"{TOKEN}{writer[answer.answer_id]}"
        found.setdefault((answer.step_id, answer.week), set()).add(token)
    return {key: frozenset(tokens) for key, tokens in found.items()}


def one_person_each(answers: Iterable[AnswerIn]) -> Respondents:
    answers = list(answers)
    return respondents_of(answers, {a.answer_id: f"person-{a.answer_id}" for a in answers})


def run(
    questions: Sequence[QuestionInfo],
    answers: Sequence[AnswerIn],
    *,
    week: date = WEEK,
    threshold: int = 5,
    members: int = 10,
    answered: dict[str, int] | None = None,
    last_week_rate: int | None = None,
    respondents: Respondents | None = None,
) -> WeekSummary:
    """The summary; unless `respondents` says otherwise, every answer is someone else's."""
    participation = ParticipationIn(members, answered or {}, last_week_rate)
    if respondents is None:
        respondents = one_person_each(answers)
    return summarize(SummaryInput(week, threshold, questions, answers, participation, respondents))


# Concrete examples, threshold 5 ------------------------------------------------------------------


def test_four_answers_are_too_few_and_their_count_stays_hidden() -> None:
    question = scale_question("trygg")
    summary = run([question], scale_answers("trygg", [1, 2, 3, 4]), answered={"trygg": 4})

    assert summary.results == ()
    assert [ref.step_id for ref in summary.too_few] == ["trygg"]
    assert summary.shown_answer_ids == frozenset()
    step = summary.participation.steps[0]
    assert step.status is CountStatus.TOO_FEW
    assert step.answered is None
    assert step.rate_percent is None


def test_five_answers_show_a_distribution_and_mean() -> None:
    answers = scale_answers("trygg", [1, 3, 3, 4, 5])
    summary = run([scale_question("trygg")], answers, answered={"trygg": 5})

    (result,) = summary.results
    assert isinstance(result, ScaleResult)
    assert result.counts == (1, 0, 2, 1, 1)
    assert result.mean == 3.2
    assert result.labels == LABELS
    assert summary.too_few == ()
    assert summary.shown_answer_ids == {answer.answer_id for answer in answers}
    step = summary.participation.steps[0]
    assert (step.status, step.answered, step.rate_percent) == (CountStatus.SHOWN, 5, 50)


def test_three_now_and_two_next_week_in_one_pool_are_shown_next_week_as_five() -> None:
    this_week = scale_question("trygg-1", WEEK, pool_key="trygghet")
    next_week = scale_question("trygg-2", NEXT_WEEK, pool_key="trygghet")
    first = scale_answers("trygg-1", [2, 2, 4])

    summary_1 = run([this_week], first, answered={"trygg-1": 3})
    assert summary_1.results == ()
    assert summary_1.shown_answer_ids == frozenset()

    waiting = [a for a in first if a.answer_id not in summary_1.shown_answer_ids]
    second = scale_answers("trygg-2", [5, 4], NEXT_WEEK)
    respondents = one_person_each(waiting + second)
    summary_2 = run(
        [this_week, next_week], waiting + second, week=NEXT_WEEK, respondents=respondents
    )
    (result,) = summary_2.results
    assert isinstance(result, ScaleResult)
    assert result.total == 5
    assert result.counts == (0, 2, 0, 2, 1)
    assert [ref.step_id for ref in result.questions] == ["trygg-1", "trygg-2"]
    assert summary_2.shown_answer_ids == {a.answer_id for a in first + second}


def test_different_labels_do_not_pool_even_under_one_key() -> None:
    a = scale_question("a", pool_key="felles")
    b = QuestionInfo(
        step_id="b",
        title="B",
        kind=QuestionKind.SCALE,
        prompt="?",
        scale_labels=("Aldri", "Alltid"),
        pool_key="felles",
        week=WEEK,
    )
    summary = run([a, b], scale_answers("a", [1, 2, 3]) + scale_answers("b", [4, 5]))
    assert summary.results == ()


def test_choice_counts_per_option() -> None:
    question = QuestionInfo(
        step_id="valg",
        title="Valg",
        kind=QuestionKind.CHOICE,
        prompt="?",
        options=OPTIONS,
        week=WEEK,
    )
    answers = [AnswerIn(f"v{i}", "valg", WEEK, choice=c) for i, c in enumerate([0, 0, 2, 1, 0])]
    (result,) = run([question], answers).results
    assert isinstance(result, ChoiceResult)
    assert result.options == OPTIONS
    assert result.counts == (3, 1, 1)


def test_mean_rounds_half_up() -> None:
    summary = run([scale_question("s")], scale_answers("s", [2, 2, 2, 3]), threshold=4)
    (result,) = summary.results
    assert isinstance(result, ScaleResult)
    assert result.mean == 2.3  # 2.25: round() would give 2.2


def test_texts_of_small_questions_wait_apart_and_are_never_shown_together() -> None:
    """Five texts by five people, but three answer one question and two another: each text
    says which question it answers, so it could only have been written by two or three people."""
    texts_a = ["Vi snakket om friminuttet", "Flere voksne ute", "Elevene tok ansvar"]
    texts_b = ["Rolig uke", "Nye vennskap i 7B"]
    answers = [AnswerIn(f"a{i}", "a", WEEK, text=t) for i, t in enumerate(texts_a)]
    answers += [AnswerIn(f"b{i}", "b", WEEK, text=t) for i, t in enumerate(texts_b)]

    summary = run([text_question("a"), text_question("b")], answers)

    assert summary.results == ()
    assert summary.shown_answer_ids == frozenset()
    assert [ref.step_id for ref in summary.too_few] == ["a", "b"]


def test_a_lone_writers_text_stays_hidden_whatever_comes_after_it() -> None:
    """The issue's case: one person answers a text question in week 1, four others another one
    in week 2; the lone text is shown in no week, however many answers the other question gets."""
    lone = AnswerIn("lone", "t1", WEEK, text="Bare jeg svarte her")
    questions = [text_question("t1"), text_question("t2", NEXT_WEEK)]
    waiting = [lone]
    for weeks in range(1, 5):
        week = WEEK + timedelta(weeks=weeks)
        waiting += [
            AnswerIn(f"w{weeks}-{n}", "t2", NEXT_WEEK, text=f"Uke {weeks}, svar {n}")
            for n in range(4)
        ]
        summary = run(questions, waiting, week=week)
        assert "lone" not in summary.shown_answer_ids
        shown = [text for result in summary.results for text in getattr(result, "texts", ())]
        assert lone.text not in shown
        waiting = [a for a in waiting if a.answer_id not in summary.shown_answer_ids]
    assert waiting == [lone]


def the_same_question(question: QuestionInfo, other: QuestionInfo) -> bool:
    """What a text reveals: the question it answers, asked in any week (its pool)."""
    return (question.kind, question.pool_key) == (other.kind, other.pool_key)


def assert_each_text_hides_among_its_own_questions_writers(
    summary: WeekSummary,
    questions: Sequence[QuestionInfo],
    answers: Sequence[AnswerIn],
    writer: Mapping[str, str],
) -> None:
    """For every text shown: the distinct writers of its own question, all weeks pooled, are at
    least the threshold, and the set it is shown in mixes no other question's texts."""
    by_step = {question.step_id: question for question in questions}
    by_id = {answer.answer_id: answer for answer in answers}
    for result in summary.results:
        if not isinstance(result, TextResult):
            continue
        first = by_step[result.questions[0].step_id]
        assert all(the_same_question(first, by_step[ref.step_id]) for ref in result.questions)
    for answer_id in summary.shown_answer_ids:
        question = by_step[by_id[answer_id].step_id]
        if question.kind is not QuestionKind.TEXT:
            continue
        own = [a for a in answers if the_same_question(question, by_step[a.step_id])]
        assert people(own, writer) >= summary.threshold


def test_text_answers_enough_for_their_question_are_shown_under_it() -> None:
    texts = [f"Svar nummer {i}" for i in range(5)]
    answers = [AnswerIn(f"t{i}", "t", WEEK, text=t) for i, t in enumerate(texts)]
    (result,) = run([text_question("t")], answers).results
    assert isinstance(result, TextResult)
    assert sorted(result.texts) == sorted(texts)


def test_the_order_of_texts_changes_from_week_to_week() -> None:
    texts = [f"Tanke {i}" for i in range(8)]
    orders = set()
    for weeks in range(4):
        week = WEEK + timedelta(weeks=weeks)
        answers = [AnswerIn(f"t{i}", "t", week, text=t) for i, t in enumerate(texts)]
        (result,) = run([text_question("t", week)], answers, week=week).results
        assert isinstance(result, TextResult)
        orders.add(result.texts)
    assert len(orders) > 1


def test_a_count_is_withheld_when_the_set_would_reveal_a_few_earlier_answers() -> None:
    question = scale_question("trygg")
    late = scale_answers("trygg", [1, 1], WEEK - timedelta(weeks=1))
    fresh = scale_answers("trygg", [4, 4, 5, 5, 5, 3, 4])
    summary = run([question], late + fresh, answered={"trygg": 7})

    (result,) = summary.results
    assert result.total == 9
    step = summary.participation.steps[0]
    assert step.status is CountStatus.WITHHELD
    assert step.answered is None
    assert summary.participation.rate_percent is None


def test_week_rate_and_trend_only_when_every_step_is_shown() -> None:
    questions = [scale_question("a"), scale_question("b")]
    answers = scale_answers("a", [3] * 6) + scale_answers("b", [4] * 8)
    shown = run(questions, answers, answered={"a": 6, "b": 8}, last_week_rate=60)
    assert shown.participation.rate_percent == 70
    assert shown.participation.trend_points == 10

    hidden = run(questions, answers[:10], answered={"a": 6, "b": 4}, last_week_rate=60)
    assert [s.status for s in hidden.participation.steps] == [
        CountStatus.SHOWN,
        CountStatus.TOO_FEW,
    ]
    assert hidden.participation.rate_percent is None
    assert hidden.participation.trend_points is None


def test_answers_that_do_not_fit_their_question_are_left_out() -> None:
    bad = [
        AnswerIn("x1", "trygg", WEEK, scale=0),
        AnswerIn("x2", "trygg", WEEK, scale=6),
        AnswerIn("x3", "trygg", WEEK),
        AnswerIn("x4", "ukjent", WEEK, scale=3),
    ]
    summary = run([scale_question("trygg")], bad + scale_answers("trygg", [3, 3, 3, 3]))
    assert summary.results == ()


# Enough people, not just enough answers -------------------------------------------------------


def pooled_scale(number: int, week: date = WEEK) -> QuestionInfo:
    return scale_question(f"trygg-{number}", week, pool_key="trygghet")


def answers_by(
    people: Sequence[str], question: QuestionInfo, value: int = 3
) -> tuple[list[AnswerIn], dict[str, str]]:
    """One answer from each of `people` to `question`, and who wrote which (the test knows)."""
    answers = [
        AnswerIn(f"{question.step_id}-{n}", question.step_id, question.week, scale=value)
        for n in range(len(people))
    ]
    return answers, {
        answer.answer_id: person for answer, person in zip(answers, people, strict=True)
    }


def test_two_people_answering_three_pooled_questions_wait_until_five_people_have_answered() -> None:
    questions = [pooled_scale(n) for n in (1, 2, 3)]
    pair = ["Kari", "Ola"]
    answers: list[AnswerIn] = []
    writer: dict[str, str] = {}
    for question in questions:
        written, by = answers_by(pair, question)
        answers += written
        writer |= by

    first = run(questions, answers, respondents=respondents_of(answers, writer))
    assert len(answers) == 6  # enough answers for a threshold of 5, but two people
    assert first.results == ()
    assert first.shown_answer_ids == frozenset()
    assert [ref.step_id for ref in first.too_few] == ["trygg-1", "trygg-2", "trygg-3"]
    assert TOKEN not in repr(first)

    later = pooled_scale(4, NEXT_WEEK)
    written, by = answers_by(["Per", "Lise", "Nils"], later, value=5)
    everything = answers + written
    second = run(
        [*questions, later],
        everything,
        week=NEXT_WEEK,
        answered={"trygg-4": 3},
        respondents=respondents_of(everything, writer | by),
    )
    (result,) = second.results
    assert isinstance(result, ScaleResult)
    assert result.total == 9 and result.counts == (0, 0, 6, 0, 3)
    assert [ref.step_id for ref in result.questions] == ["trygg-1", "trygg-2", "trygg-3", "trygg-4"]
    assert second.shown_answer_ids == {a.answer_id for a in everything}
    assert TOKEN not in repr(second)  # tokens count people; they never come out


def test_texts_from_two_people_are_not_shown() -> None:
    questions = [text_question(step) for step in ("a", "b", "c")]
    pair = ("Kari", "Ola")
    answers = [
        AnswerIn(f"{step}{n}", step, WEEK, text=f"Om {step}, {n}")
        for step in ("a", "b", "c")
        for n in range(len(pair))
    ]
    writer = {answer.answer_id: pair[int(answer.answer_id[1])] for answer in answers}
    summary = run(questions, answers, respondents=respondents_of(answers, writer))
    assert summary.results == ()
    assert summary.shown_answer_ids == frozenset()


def test_a_member_who_used_forget_is_not_counted() -> None:
    question = scale_question("trygg")
    answers = scale_answers("trygg", [1, 2, 3, 4, 5])
    known = {("trygg", WEEK): frozenset({"p1", "p2", "p3", "p4"})}  # the fifth is forgotten
    summary = run([question], answers, respondents=known, answered={"trygg": 4})
    assert summary.results == ()
    assert summary.participation.steps[0].status is CountStatus.TOO_FEW


def test_a_step_with_an_answer_left_out_counts_nobody() -> None:
    """Its respondents include whoever wrote the answer that does not fit, who may have written
    nothing in the set: so none of them is counted."""
    question = scale_question("trygg")
    answers = [*scale_answers("trygg", [1, 2, 3, 4, 5]), AnswerIn("odd", "trygg", WEEK, scale=9)]
    assert run([question], answers).results == ()
    assert len(run([question], answers[:5]).results) == 1


def test_a_count_is_withheld_when_the_rest_of_its_set_comes_from_a_few_people() -> None:
    earlier = [pooled_scale(n, WEEK - timedelta(weeks=1)) for n in (1, 2, 3)]
    now = pooled_scale(4)
    crew = ["Kari", "Ola", "Per", "Lise", "Nils"]
    answers: list[AnswerIn] = []
    writer: dict[str, str] = {}
    for question in earlier:
        written, by = answers_by(crew[:2], question)
        answers += written
        writer |= by
    written, by = answers_by(crew, now)
    answers += written
    writer |= by

    summary = run(
        [*earlier, now],
        answers,
        answered={"trygg-4": 5},
        respondents=respondents_of(answers, writer),
    )
    (result,) = summary.results
    assert result.total == 11  # five people in all: shown
    # 11 - 5 = 6 answers from the earlier questions: enough answers, but Kari's and Ola's only.
    (step,) = summary.participation.steps
    assert step.status is CountStatus.WITHHELD and step.answered is None


def test_input_is_checked() -> None:
    with pytest.raises(ValueError, match="at least 3"):
        run([], [], threshold=2)
    with pytest.raises(ValueError, match="Monday"):
        run([], [], week=WEEK + timedelta(days=2))
    with pytest.raises(ValueError, match="only once"):
        run([scale_question("a"), scale_question("a")], [])


# Properties ---------------------------------------------------------------------------------------

WEEKS = [WEEK - timedelta(weeks=n) for n in (2, 1, 0)]


@st.composite
def question_sets(draw: st.DrawFn, weeks: Sequence[date] = WEEKS) -> list[QuestionInfo]:
    count = draw(st.integers(1, 7))
    questions = []
    for index in range(count):
        kind = draw(st.sampled_from(list(QuestionKind)))
        questions.append(
            QuestionInfo(
                step_id=f"s{index}",
                title=f"Steg {index}",
                kind=kind,
                prompt="?",
                options=draw(st.sampled_from([OPTIONS, ("Ja", "Nei")]))
                if kind is QuestionKind.CHOICE
                else (),
                scale_labels=draw(st.sampled_from([LABELS, ("Aldri", "Alltid")]))
                if kind is QuestionKind.SCALE
                else None,
                pool_key=draw(st.sampled_from(["", "p", "p", "q"])),
                week=draw(st.sampled_from(list(weeks))),
            )
        )
    return questions


@st.composite
def one_pool(draw: st.DrawFn, weeks: Sequence[date] = WEEKS) -> list[QuestionInfo]:
    """Questions over the weeks that all pool together: where few people make many answers."""
    kind = draw(st.sampled_from([QuestionKind.SCALE, QuestionKind.CHOICE, QuestionKind.TEXT]))
    return [
        QuestionInfo(
            step_id=f"s{index}",
            title=f"Steg {index}",
            kind=kind,
            prompt="?",
            options=OPTIONS if kind is QuestionKind.CHOICE else (),
            scale_labels=LABELS if kind is QuestionKind.SCALE else None,
            pool_key="p",
            week=draw(st.sampled_from(list(weeks))),
        )
        for index in range(draw(st.integers(2, 6)))
    ]


# Mostly answers that fit their question, now and then one that does not.
SCALE_VALUES = st.sampled_from([*[1, 2, 3, 4, 5] * 4, 0, 6])
CHOICE_VALUES = st.sampled_from([*[0, 1, 2] * 5, -1, 3])
TEXT_VALUES = st.sampled_from([*["Bra", "Travelt", "Rolig", "Ny rutine", "Uro"] * 3, ""])


@dataclass(frozen=True)
class Written:
    """Answers, and who wrote each: the test knows it, summarize() only ever gets respondents."""

    answers: list[AnswerIn]
    writer: dict[str, str]  # answer id -> person

    def __add__(self, other: Written) -> Written:
        return Written([*self.answers, *other.answers], self.writer | other.writer)


@st.composite
def answer_lists(
    draw: st.DrawFn,
    questions: Sequence[QuestionInfo],
    weeks: Sequence[date],
    prefix: str = "a",
    people: int | None = None,
) -> Written:
    """Answers by a crowd of up to 9. Some questions only the two regulars answer, so sets of
    many answers by few people abound; someone may answer a step twice (a step id that a second
    rollout sends again), and nothing relies on that not happening."""
    crowd = people or draw(st.integers(1, 9))
    answers: list[AnswerIn] = []
    writer: dict[str, str] = {}
    for question in questions:
        if draw(st.booleans()):  # the regulars, once or more
            answering = draw(st.lists(st.integers(0, min(crowd, 2) - 1), max_size=3))
        else:  # some of the crowd, and now and then someone a second time
            answering = draw(st.permutations(range(crowd)))[: draw(st.integers(0, crowd))]
            answering += draw(st.lists(st.integers(0, crowd - 1), max_size=1))
        for person in answering:
            # Mostly in the step's own week, when that is among `weeks`; now and then later.
            allowed = [w for w in weeks if w >= question.week] or [question.week]
            own_week = question.week in allowed and draw(st.integers(0, 5)) > 0
            week = question.week if own_week else draw(st.sampled_from(allowed))
            answer = AnswerIn(
                f"{prefix}{len(answers)}",
                question.step_id,
                week,
                scale=draw(SCALE_VALUES),
                choice=draw(CHOICE_VALUES),
                text=draw(TEXT_VALUES),
            )
            answers.append(answer)
            writer[answer.answer_id] = f"p{person}"
    return Written(answers, writer)


def consistent_counts(
    questions: Sequence[QuestionInfo], answers: Sequence[AnswerIn], week: date
) -> dict[str, int]:
    """answered_per_step as storage would give it: this week's answers per step."""
    steps = {q.step_id for q in questions if q.week == week}
    counts = Counter(a.step_id for a in answers if a.week == week and a.step_id in steps)
    return dict(counts)


@dataclass(frozen=True)
class Case:
    data: SummaryInput
    writer: dict[str, str]  # who wrote each answer, hidden from summarize()


@st.composite
def inputs(
    draw: st.DrawFn,
    consistent: bool = True,
    asked: st.SearchStrategy[list[QuestionInfo]] | None = None,
) -> Case:
    questions = draw(question_sets() if asked is None else asked)
    written = draw(answer_lists(questions, [*WEEKS, NEXT_WEEK]))
    threshold = draw(st.integers(3, 6))
    if consistent:
        counts = consistent_counts(questions, written.answers, WEEK)
    else:
        steps = [q.step_id for q in questions]
        counts = draw(st.dictionaries(st.sampled_from(steps), st.integers(0, 12)))
    participation = ParticipationIn(
        draw(st.integers(0, 15)), counts, draw(st.none() | st.integers(0, 100))
    )
    # Some may have used /forget: their participation, so their tokens, are gone.
    forgotten = draw(st.sets(st.sampled_from([f"p{n}" for n in range(9)]), max_size=1))
    respondents = respondents_of(written.answers, written.writer, forgotten)
    data = SummaryInput(WEEK, threshold, questions, written.answers, participation, respondents)
    return Case(data, written.writer)


def shown_sets(summary: WeekSummary, answers: Sequence[AnswerIn]) -> list[list[AnswerIn]]:
    """The answers behind each figure."""
    shown = [answer for answer in answers if answer.answer_id in summary.shown_answer_ids]
    found = []
    for result in summary.results:
        steps = {ref.step_id for ref in result.questions}
        found.append([answer for answer in shown if answer.step_id in steps])
        assert len(found[-1]) == result.total
    assert len(shown) == sum(len(answers) for answers in found)
    return found


def people(answers: Iterable[AnswerIn], writer: Mapping[str, str]) -> int:
    return len({writer[answer.answer_id] for answer in answers})


def assert_no_small_counts(summary: WeekSummary) -> None:
    threshold = summary.threshold
    for step in summary.participation.steps:
        assert step.answered is None or step.answered >= threshold
        assert (step.answered is None) == (
            step.rate_percent is None
        ) or summary.participation.members == 0
    for result in summary.results:
        assert result.total >= threshold


def assert_enough_people(
    summary: WeekSummary, answers: Sequence[AnswerIn], writer: Mapping[str, str]
) -> None:
    for shown in shown_sets(summary, answers):
        assert people(shown, writer) >= summary.threshold
    assert TOKEN not in repr(summary)


@settings(max_examples=300)
@given(inputs(consistent=True) | inputs(consistent=False) | inputs(asked=one_pool()))
def test_no_figure_describes_fewer_answers_or_people_than_the_threshold(case: Case) -> None:
    summary = summarize(case.data)
    assert_no_small_counts(summary)
    assert_enough_people(summary, case.data.answers, case.writer)
    data = case.data
    assert_each_text_hides_among_its_own_questions_writers(
        summary, data.questions, data.answers, case.writer
    )


@settings(max_examples=300)
@given(inputs(consistent=True) | inputs(asked=one_pool()))
def test_no_small_count_follows_by_subtracting_participation_from_a_set(case: Case) -> None:
    summary = summarize(case.data)
    threshold = summary.threshold
    counts = {s.step_id: s.answered for s in summary.participation.steps if s.answered is not None}
    for shown in shown_sets(summary, case.data.answers):
        subtracted = sum(counts.get(step_id, 0) for step_id in {a.step_id for a in shown})
        assert not 0 < len(shown) - subtracted < threshold
        rest = [answer for answer in shown if answer.step_id not in counts]
        assert not rest or people(rest, case.writer) >= threshold


def fits(answer: AnswerIn, question: QuestionInfo) -> bool:
    if question.kind is QuestionKind.SCALE:
        return answer.scale in range(1, 6)
    if question.kind is QuestionKind.CHOICE:
        return answer.choice in range(len(question.options))
    return question.kind is QuestionKind.TEXT and bool(answer.text)


@settings(max_examples=200)
@given(inputs(), st.data())
def test_a_question_answered_by_enough_people_is_shown(case: Case, draw: st.DataObject) -> None:
    """Whatever else waits: the rule hides sets of too few, not everything."""
    data = case.data
    asked = [q for q in data.questions if q.week == WEEK and q.kind is not QuestionKind.NONE]
    assume(asked)
    question = draw.draw(st.sampled_from(asked))
    newcomers = [
        AnswerIn(f"new{n}", question.step_id, WEEK, scale=3, choice=0, text="Et nytt blikk")
        for n in range(data.threshold)
    ]
    kept = [
        answer
        for answer in data.answers
        if (answer.step_id, answer.week) != (question.step_id, WEEK) or fits(answer, question)
    ]
    writer = case.writer | {answer.answer_id: answer.answer_id for answer in newcomers}
    answers = kept + newcomers
    summary = summarize(with_answers(data, answers, respondents_of(answers, writer)))
    assert {answer.answer_id for answer in newcomers} <= summary.shown_answer_ids
    assert question.step_id not in {ref.step_id for ref in summary.too_few}


@given(inputs())
def test_every_shown_answer_is_counted_once_and_belongs_to_the_week(case: Case) -> None:
    data = case.data
    summary = summarize(data)
    by_id = {a.answer_id: a for a in data.answers}
    kinds = {q.step_id: q.kind for q in data.questions}
    shown_total = sum(r.total for r in summary.results)
    assert len(summary.shown_answer_ids) == shown_total
    assert all(by_id[i].week <= data.week for i in summary.shown_answer_ids)
    shown_texts = Counter(t for r in summary.results if isinstance(r, TextResult) for t in r.texts)
    texts_of_shown_answers = Counter(
        by_id[i].text
        for i in summary.shown_answer_ids
        if kinds[by_id[i].step_id] is QuestionKind.TEXT
    )
    assert shown_texts == texts_of_shown_answers


def with_answers(
    data: SummaryInput,
    answers: Sequence[AnswerIn],
    respondents: Mapping[RespondentKey, frozenset[str]],
) -> SummaryInput:
    return SummaryInput(
        data.week, data.threshold, data.questions, answers, data.participation, respondents
    )


@given(inputs(consistent=False), st.randoms(use_true_random=False))
def test_the_order_of_answers_changes_nothing(case: Case, random: Random) -> None:
    data = case.data
    shuffled = list(data.answers)
    random.shuffle(shuffled)
    reversed_respondents = dict(reversed(list(data.respondents.items())))
    permuted = with_answers(data, shuffled, reversed_respondents)
    assert summarize(permuted) == summarize(data)


@given(inputs(), st.data())
def test_answers_for_later_weeks_do_not_change_a_summary(case: Case, draw: st.DataObject) -> None:
    """Not even when the same people write them, to the same steps."""
    data = case.data
    later = draw.draw(
        answer_lists(data.questions, [NEXT_WEEK, NEXT_WEEK + timedelta(weeks=1)], "late")
    )
    everything = Written(list(data.answers), case.writer) + later
    more = with_answers(
        data, everything.answers, respondents_of(everything.answers, everything.writer)
    )
    assert summarize(more) == summarize(with_answers(data, data.answers, more.respondents))
    assert summarize(more) == summarize(
        with_answers(data, data.answers, respondents_of(data.answers, case.writer))
    )


SEASON = [date(2026, 9, 7) + timedelta(weeks=n) for n in range(6)]


def stored_respondents(arrived: Written, shown: set[str], forgotten: set[str]) -> Respondents:
    """As storage gives them: each (step, week)'s participation, but none for a (step, week)
    with an answer already shown (one that slipped in as its week closed) and none for those
    who used /forget."""
    partly_shown = {(a.step_id, a.week) for a in arrived.answers if a.answer_id in shown}
    return {
        key: tokens
        for key, tokens in respondents_of(arrived.answers, arrived.writer, forgotten).items()
        if key not in partly_shown
    }


@settings(max_examples=150)
@given(st.data())
def test_across_weeks_every_answer_is_shown_at_most_once(draw: st.DataObject) -> None:
    """Weeks in a row, with answers that arrive late for weeks already summarized, from the same
    few people, some of whom use /forget along the way."""
    questions = draw.draw(question_sets(SEASON) | one_pool(SEASON))
    threshold = draw.draw(st.integers(3, 5))
    crowd = draw.draw(st.integers(1, 9))
    arrived = Written([], {})
    forgotten: set[str] = set()
    waiting: list[AnswerIn] = []
    shown_so_far: set[str] = set()
    history: list[tuple[SummaryInput, WeekSummary]] = []
    for number, week in enumerate(SEASON):
        closed_or_now = [w for w in SEASON if w <= week]
        arriving = draw.draw(answer_lists(questions, closed_or_now, f"w{number}-", crowd))
        arrived += arriving
        waiting += arriving.answers
        forgotten |= draw.draw(
            st.sets(st.sampled_from([f"p{n}" for n in range(crowd)]), max_size=1)
        )
        data = SummaryInput(
            week,
            threshold,
            questions,
            list(waiting),
            ParticipationIn(12, consistent_counts(questions, arriving.answers, week)),
            stored_respondents(arrived, shown_so_far, forgotten),
        )
        summary = summarize(data)
        assert_no_small_counts(summary)
        assert_enough_people(summary, data.answers, arrived.writer)
        assert_each_text_hides_among_its_own_questions_writers(
            summary, questions, arrived.answers, arrived.writer
        )
        assert not summary.shown_answer_ids & shown_so_far
        assert summary.shown_answer_ids <= {a.answer_id for a in waiting}
        shown_so_far |= summary.shown_answer_ids
        waiting = [a for a in waiting if a.answer_id not in summary.shown_answer_ids]
        history.append((data, summary))
    # Late answers went into later summaries; each earlier summary is still what its inputs give.
    for data, summary in history:
        assert summarize(data) == summary


# Splitting long messages -------------------------------------------------------------------------


def reassembles(original: str, parts: Sequence[str]) -> bool:
    """True when `original` is the parts in order with only whitespace between and around them."""
    position = 0
    for part in parts:
        while (
            position < len(original)
            and original[position].isspace()
            and not original.startswith(part, position)
        ):
            position += 1
        if not original.startswith(part, position):
            return False
        position += len(part)
    return original[position:].strip() == ""


def test_short_message_is_one_part() -> None:
    assert split_message("<b>Uke 47</b>\n\nAlt vel.") == ["<b>Uke 47</b>\n\nAlt vel."]
    assert split_message("") == []


def test_splits_at_paragraphs_first() -> None:
    paragraph = "Linje en\nLinje to"
    text = "\n\n".join([paragraph] * 3)
    assert split_message(text, limit=len(paragraph) * 2 + 4) == [
        f"{paragraph}\n\n{paragraph}",
        paragraph,
    ]


def test_never_cuts_an_entity_or_a_tag() -> None:
    text = 'Før <a href="https://udir.no/a">lenke</a> &amp; etter'
    for limit in range(36, len(text) + 1):
        for part in split_message(text, limit):
            assert html_errors(part) == []


def test_an_element_cut_in_two_is_closed_and_opened_again() -> None:
    quote = "<blockquote>" + "\n".join(f"Svar {i}" for i in range(20)) + "</blockquote>"
    parts = split_message(quote, limit=80)
    assert len(parts) > 1
    for part in parts:
        assert part.startswith("<blockquote>") and part.endswith("</blockquote>")
        assert html_errors(part) == []


def test_a_limit_without_room_for_text_is_refused() -> None:
    with pytest.raises(ValueError, match="no room"):
        split_message('<a href="https://udir.no/very/long/address">x</a>', limit=20)


words = st.sampled_from(["Elevene", "trygg", "æøå", "7B", "&amp;", "&lt;", "&#128512;", "🙂", "ok"])
flat_html = st.lists(
    st.one_of(
        words,
        st.sampled_from([" ", "\n", "\n\n"]),
        words.map(lambda w: f"<b>{w}</b>"),
        words.map(lambda w: f'<a href="https://udir.no/{len(w)}">{w}</a>'),
    ),
    max_size=200,
).map("".join)


@given(flat_html, st.integers(48, 300))
def test_parts_fit_and_give_back_the_text(html: str, limit: int) -> None:
    parts = split_message(html, limit)
    assert all(utf16_length(part) <= limit for part in parts)
    assert reassembles(html, parts)
    assert all(html_errors(part) == [] for part in parts)


nested_html = st.recursive(
    flat_html,
    lambda inner: st.tuples(
        st.sampled_from(["b", "i", "blockquote"]), st.lists(inner, max_size=4)
    ).map(lambda pair: f"<{pair[0]}>{''.join(pair[1])}</{pair[0]}>"),
    max_leaves=8,
)


def visible(html: str) -> str:
    return re.sub(r"<[^>]*>", "", html)


@given(nested_html, st.integers(200, 600))
def test_parts_of_nested_html_are_valid_and_keep_the_text(html: str, limit: int) -> None:
    parts = split_message(html, limit)
    assert all(utf16_length(part) <= limit for part in parts)
    assert all(html_errors(part) == [] for part in parts)
    assert reassembles(visible(html), [visible(part) for part in parts if visible(part)])
