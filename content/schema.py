"""The shape of a package file: what `refleks content lint` checks and the bot relies on.

One YAML file per package, written in bokmål (`<id>.yaml`), and one mirror file per translation
beside it (`<id>.nn.yaml`, `<id>.en.yaml`): the same shape, every text translated (see
`content/TRANSLATING.md`). The loader fills the `translations` of steps and modules, and a
package's `titles`, from the mirrors; a package file never writes them itself.
"""

from __future__ import annotations

from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field, HttpUrl, model_validator

from domain.model import OrgKind, QuestionKind

BODY_MAX = 1000  # what a phone shows on a screen or two: read in under two minutes
TITLE_MAX = 120
PROMPT_MAX = 300
OPTION_MAX = 40  # a button's text stays on one line
STEP_ID_PATTERN = r"^[a-z0-9][a-z0-9-]{0,23}$"  # short: it travels in 64-byte callback data
TRANSLATED_LANGUAGES = ("nn", "en")  # each in its own mirror file beside the bokmål one


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


Text = Annotated[str, Field(min_length=1)]


Label = Annotated[str, Field(min_length=1, max_length=OPTION_MAX)]  # Telegram refuses empty buttons


class QuestionText(Strict):
    prompt: Annotated[str, Field(min_length=1, max_length=PROMPT_MAX)] | None = None
    options: list[Label] | None = None
    scale_labels: list[Label] | None = None


class StepText(Strict):
    """A translation of a step: every field optional, missing ones fall back to bokmål."""

    # an empty text would replace bokmål with nothing rather than fall back to it
    title: Annotated[str, Field(min_length=1, max_length=TITLE_MAX)] | None = None
    body: Annotated[str, Field(min_length=1, max_length=BODY_MAX)] | None = None
    practice: Annotated[str, Field(min_length=1, max_length=BODY_MAX)] | None = None
    question: QuestionText | None = None


class Question(Strict):
    kind: QuestionKind
    prompt: Annotated[str, Field(max_length=PROMPT_MAX)] | None = None
    # scale: two labels, for 1 and for 5; choice: 2-6 options
    scale_labels: list[Label] | None = None
    options: list[Label] | None = None
    # answers to questions that share a pool key are pooled across weeks when too few
    pool: Annotated[str, Field(pattern=r"^[a-z0-9-]{1,24}$")] | None = None

    @model_validator(mode="after")
    def _fits_kind(self) -> Self:
        if self.kind is not QuestionKind.NONE and not self.prompt:
            raise ValueError(f"a {self.kind} question needs a prompt")
        if self.kind is QuestionKind.SCALE:
            if self.scale_labels is None or len(self.scale_labels) != 2:
                raise ValueError("a scale question needs scale_labels: [label for 1, label for 5]")
        elif self.scale_labels is not None:
            raise ValueError("scale_labels belong to scale questions only")
        if self.kind is QuestionKind.CHOICE:
            if self.options is None or not 2 <= len(self.options) <= 6:
                raise ValueError("a choice question needs 2 to 6 options")
            if len(set(self.options)) != len(self.options):
                raise ValueError("choice options must differ")
        elif self.options is not None:
            raise ValueError("options belong to choice questions only")
        return self


class Step(Strict):
    id: Annotated[str, Field(pattern=STEP_ID_PATTERN)]
    title: Annotated[str, Field(min_length=1, max_length=TITLE_MAX)]
    body: Annotated[str, Field(min_length=1, max_length=BODY_MAX)]
    link: HttpUrl | None = None
    # "try this today"
    practice: Annotated[str, Field(min_length=1, max_length=BODY_MAX)] | None = None
    question: Question
    translations: dict[Annotated[str, Field(pattern=r"^(nn|en)$")], StepText] = {}


class MeetingItem(Strict):
    minutes: Annotated[int, Field(ge=1, le=45)]
    activity: Text


class LeaderSupport(Strict):
    intro: Text
    prepare: Text  # what the leader gets ready before the staff meeting
    discussion_questions: Annotated[list[Text], Field(min_length=4, max_length=6)]
    meeting_plan: Annotated[list[MeetingItem], Field(min_length=2)]

    @model_validator(mode="after")
    def _fits_a_meeting(self) -> Self:
        total = sum(item.minutes for item in self.meeting_plan)
        if total != 45:
            raise ValueError(f"the meeting plan takes {total} minutes, not 45")
        return self


class ModuleText(Strict):
    """What a module says around its steps, in one language."""

    title: str
    summary: str
    leader_support: LeaderSupport


class Module(Strict):
    number: Annotated[int, Field(ge=0, le=9)]
    title: Text
    summary: Text
    leader_support: LeaderSupport
    steps: Annotated[list[Step], Field(min_length=1, max_length=10)]
    translations: dict[str, ModuleText] = {}

    def text(self, language: str) -> ModuleText:
        """The module's title, summary and leader support in `language`, else in bokmål."""
        return self.translations.get(language) or ModuleText(
            title=self.title, summary=self.summary, leader_support=self.leader_support
        )


class PackageInfo(Strict):
    id: Annotated[str, Field(pattern=r"^[a-z0-9-]{1,32}$")]
    title: Text
    audience: OrgKind
    language: Annotated[str, Field(pattern=r"^(nb|nn|en)$")] = "nb"  # nn, en: a mirror file
    source_url: HttpUrl
    titles: dict[str, str] = {}


class Package(Strict):
    package: PackageInfo
    modules: Annotated[list[Module], Field(min_length=1)]

    @model_validator(mode="after")
    def _unique_numbers_and_ids(self) -> Self:
        numbers = [module.number for module in self.modules]
        if numbers != sorted(set(numbers)):
            raise ValueError("module numbers must be unique and ascending")
        return self

    @property
    def id(self) -> str:
        return self.package.id

    def title(self, language: str) -> str:
        return self.package.titles.get(language) or self.package.title

    def module(self, number: int) -> Module:
        for module in self.modules:
            if module.number == number:
                return module
        raise KeyError(f"{self.id} has no module {number}")

    def steps(self, modules: tuple[int, ...]) -> list[tuple[Module, Step]]:
        """The steps of the given modules, in the order a rollout sends them."""
        return [(self.module(n), step) for n in modules for step in self.module(n).steps]
