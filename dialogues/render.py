"""Steps, reminders and kick-offs as messages (Telegram HTML), in the member's language."""

from __future__ import annotations

from html import escape

from content.loader import Catalogue, localized
from content.schema import Module, Package, Step
from dialogues.i18n import Texts
from dialogues.keyboards import answer_keyboard, with_catch_up
from dialogues.outgoing import Part, TextPart
from domain.model import OrgKind, QuestionKind
from domain.plan import RolloutPlan


def plan_step_message(
    catalogue: Catalogue,
    plan: RolloutPlan,
    index: int,
    texts: Texts,
    delivery_id: int,
    *,
    missed: int = 0,
) -> list[Part]:
    """Step `index` of a rollout's plan, placed in its module (step 3 of 7)."""
    package = catalogue[plan.rollout.package_id]
    module, step = catalogue.step(package.id, plan.steps[index].step_id)
    position = plan.module_span(index)
    return step_message(package, module, step, texts, delivery_id, position=position, missed=missed)


def step_message(
    package: Package,
    module: Module,
    step: Step,
    texts: Texts,
    delivery_id: int,
    *,
    position: tuple[int, int],
    missed: int = 0,
    again: bool = False,
) -> list[Part]:
    """A day's step: title, body, the try-this task, the link, the question and its buttons."""
    text = localized(step, texts.language)
    number, total = position
    lines = [
        texts(
            "step.header",
            module=module.number,
            title=escape(module.text(texts.language).title),
            number=number,
            total=total,
        ),
        f"<b>{text.title}</b>",
        "",
        text.body,
    ]
    if text.practice:
        lines += ["", texts("step.practice", task=text.practice)]
    if step.link:
        lines += ["", texts("step.link", url=escape(str(step.link), quote=True))]
    kind = step.question.kind
    if kind is not QuestionKind.NONE and text.prompt:
        lines += [
            "",
            texts("step.question", prompt=text.prompt),
            *_hints(package, kind, text.scale_labels, texts),
        ]
    if again:
        lines.insert(0, texts("step.again"))
    keyboard = with_catch_up(answer_keyboard(kind, text, delivery_id), texts, missed, delivery_id)
    return [TextPart("\n".join(lines), keyboard, anchor=True)]


def _hints(
    package: Package, kind: QuestionKind, labels: tuple[str, ...], texts: Texts
) -> list[str]:
    """How to answer; under a free-text question also that it is no place for names or
    concerns, since what staff write there is anonymous and reaches no one who must act."""
    if kind is QuestionKind.SCALE:
        return [texts("step.hint_scale", low=escape(labels[0]), high=escape(labels[1]))]
    if kind is QuestionKind.CHOICE:
        return [texts("step.hint_choice")]
    school = package.package.audience is OrgKind.SCHOOL
    note = texts("step.text_note_school" if school else "step.text_note_kindergarten")
    return [texts("step.hint_text"), note]


def reminder_message(package: Package, step: Step, texts: Texts, delivery_id: int) -> list[Part]:
    text = localized(step, texts.language)
    kind = step.question.kind
    lines = [texts("reminder.body", title=text.title)]
    if text.prompt:
        lines += [
            "",
            texts("step.question", prompt=text.prompt),
            *_hints(package, kind, text.scale_labels, texts),
        ]
    return [TextPart("\n".join(lines), answer_keyboard(kind, text, delivery_id), anchor=True)]


def kickoff_message(package: Package, module: Module, texts: Texts, group_name: str) -> list[Part]:
    """A module's leader support, sent to leaders before the module's first step."""
    module_text = module.text(texts.language)
    support = module_text.leader_support
    questions = "\n".join(f"• {escape(q)}" for q in support.discussion_questions)
    plan = "\n".join(
        f"• {item.minutes} min: {escape(item.activity)}" for item in support.meeting_plan
    )
    body = "\n".join(
        [
            texts(
                "kickoff.header",
                module=module.number,
                title=escape(module_text.title),
                group=escape(group_name),
            ),
            "",
            escape(support.intro),
            "",
            texts("kickoff.prepare", text=escape(support.prepare)),
            "",
            texts("kickoff.questions"),
            questions,
            "",
            texts("kickoff.plan"),
            plan,
            "",
            texts("kickoff.source", url=escape(str(package.package.source_url), quote=True)),
        ]
    )
    return [TextPart(body)]
