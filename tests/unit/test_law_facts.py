"""The packages state the law as it stands, in every language they are written in.

Schools: the Education Act 2023 (opplæringslova), chapter 12, and §§ 10-1 and 10-2.
Kindergartens: the Kindergarten Act (barnehageloven), chapter VIII.

Each rule is written once per language with that language's terms, so a translation is held
to the same facts as bokmål. The terms, for translators:

bokmål / nynorsk / English:
- melde fra til rektor / melde frå til rektor / report to the principal
- melde fra til styreren / melde frå til styraren / report to the head of the kindergarten
- følge med, gripe inn, undersøke / følgje med, gripe inn, undersøkje /
  monitor, intervene, investigate
- rette opp situasjonen med egnede tiltak / ... eigna tiltak / put things right with suitable
  measures
- fem handlingsplikter / fem handlingsplikter / five action duties
- skriftlig plan, dokumentere / skriftleg plan, dokumentere / written plan, duty to document
- hvem som skal gjennomføre tiltakene / kven som skal gjennomføre tiltaka /
  who will carry out the measures
- kommunen eller fylkeskommunen (both) / the municipality or county authority
- barnehageeieren / barnehageeigaren / the kindergarten owner
- barnehagemyndighet / barnehagemyndigheit / the kindergarten authority
- statsforvalteren / statsforvaltaren / the County Governor
- straks (both) / at once, immediately: only with § 12-5 (school) and § 43 (kindergarten)
- SFO, leksehjelp (both) / SFO (the after-school programme), homework help
- kritisk tenkning og etisk bevissthet / kritisk tenking og etisk medvit /
  critical thinking and ethical awareness
- skaperglede, engasjement og utforskertrang / skaparglede, engasjement og utforskartrong /
  the joy of creating, engagement and the urge to explore

Never: "varsle"/"varsel" for the duty to report (the 1998 act's word, read today as
whistleblowing; English: notify/alert the principal, whistleblowing), § 9 A as law in force,
"så langt det finnes (egnede tiltak)", "straks" as the rule for the ordinary duty in § 12-4,
"skoleeieren" as the one the rektor reports to, six duties, or kindergarten parents taking a
case to the County Governor the way school parents can (§ 12-6 has no kindergarten twin).

A language is checked where it exists: bokmål in `<id>.yaml`, nynorsk and English under a
step's `translations` there and in the mirror files `<id>.nn.yaml` and `<id>.en.yaml`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
import yaml

from content import load_packages
from content.loader import PACKAGES_DIR
from content.schema import Package, Step

SCHOOL, KINDERGARTEN = "skolemiljo", "barnehagemiljo"
LANGUAGES = ("nb", "nn", "en")
# values that are not text a reader sees
NOT_TEXT = {"id", "kind", "link", "pool", "source_url", "audience", "language", "number", "minutes"}
LOVDATA = {
    SCHOOL: "https://lovdata.no/lov/2023-06-09-30",
    KINDERGARTEN: "https://lovdata.no/lov/2005-06-17-64",
}


# --- reading a language's texts ---------------------------------------------------------------


@dataclass(frozen=True)
class Text:
    where: str
    text: str


def _strings(value: object, where: str, *, skip_translations: bool) -> Iterator[Text]:
    if isinstance(value, str):
        yield Text(where, value)
    elif isinstance(value, dict):
        for key, item in value.items():
            if key in NOT_TEXT or (skip_translations and key == "translations"):
                continue
            yield from _strings(item, f"{where}.{key}", skip_translations=skip_translations)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _strings(item, f"{where}[{index}]", skip_translations=skip_translations)


def _translations(value: object, language: str, where: str) -> Iterator[Text]:
    """The `translations.<language>` parts of a bokmål file, wherever they sit."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "translations" and isinstance(item, dict) and language in item:
                yield from _strings(
                    item[language], f"{where}.translations.{language}", skip_translations=False
                )
            else:
                yield from _translations(item, language, f"{where}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _translations(item, language, f"{where}[{index}]")


def _load(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def language_texts(package_id: str, language: str) -> list[Text]:
    """Every text of a package in one language; empty when that language is not written yet."""
    main = PACKAGES_DIR / f"{package_id}.yaml"
    data = _load(main)
    if language == "nb":
        return list(_strings(data, main.name, skip_translations=True))
    texts = list(_translations(data, language, main.name))
    mirror = PACKAGES_DIR / f"{package_id}.{language}.yaml"
    if mirror.exists():
        texts += _strings(_load(mirror), mirror.name, skip_translations=False)
    return texts


def present_languages() -> list[tuple[str, str]]:
    return [
        (package_id, language)
        for package_id in (SCHOOL, KINDERGARTEN)
        for language in LANGUAGES
        if language_texts(package_id, language)
    ]


# --- rules ------------------------------------------------------------------------------------

FLAGS = re.IGNORECASE


def _units(text: str, unit: str) -> list[str]:
    if unit == "text":
        return [text]
    if unit == "paragraph":
        return [part for part in re.split(r"\n\s*\n", text) if part.strip()]
    return [part for part in re.split(r"(?<=[.!?;])\s+|\n+", text) if part.strip()]


@dataclass(frozen=True)
class Must:
    """At least one text says this."""

    pattern: str

    def problems(self, texts: list[Text]) -> list[str]:
        if any(re.search(self.pattern, text.text, FLAGS) for text in texts):
            return []
        return [f"nowhere: /{self.pattern}/"]

    def broken(self, texts: list[Text], bad: str | None) -> list[Text]:
        return [replace(t, text=re.sub(self.pattern, "…", t.text, flags=FLAGS)) for t in texts]


@dataclass(frozen=True)
class MustNot:
    """No text says this."""

    pattern: str

    def problems(self, texts: list[Text]) -> list[str]:
        return [
            f"{text.where}: /{self.pattern}/ in {found.group(0)!r}"
            for text in texts
            if (found := re.search(self.pattern, text.text, FLAGS))
        ]

    def broken(self, texts: list[Text], bad: str | None) -> list[Text]:
        assert bad is not None
        return [*texts, Text("mutation", bad)]


@dataclass(frozen=True)
class Wherever:
    """Every unit (text, paragraph or sentence) that matches enough of `when` also says `then`
    (and does not say `then_not`)."""

    when: tuple[str, ...]
    then: str | None = None
    then_not: str | None = None
    unit: str = "text"
    at_least: int = 0  # 0: all of `when`

    def _triggered(self, unit: str) -> bool:
        hits = sum(1 for pattern in self.when if re.search(pattern, unit, FLAGS))
        return hits >= (self.at_least or len(self.when))

    def problems(self, texts: list[Text]) -> list[str]:
        problems = []
        for text in texts:
            for unit in _units(text.text, self.unit):
                if not self._triggered(unit):
                    continue
                if self.then and not re.search(self.then, unit, FLAGS):
                    problems.append(f"{text.where}: {unit!r} lacks /{self.then}/")
                if self.then_not and re.search(self.then_not, unit, FLAGS):
                    problems.append(f"{text.where}: {unit!r} has /{self.then_not}/")
        return problems

    def broken(self, texts: list[Text], bad: str | None) -> list[Text]:
        assert bad is not None
        return [*texts, Text("mutation", bad)]


Rule = Must | MustNot | Wherever


@dataclass(frozen=True)
class Terms:
    """One language's way of saying what the act says."""

    old_report: str  # the 1998 act's "varsle"
    old_measures: str  # "så langt det finnes egnede tiltak"
    report_to_principal: str
    report_to_head: str
    report_to_owner: str  # the school owner is not whom the rektor reports to
    municipality_or_county: str
    five_duties: str
    six_duties: str
    documentation: str
    county_governor: str
    sfo: str
    homework_help: str
    values: tuple[str, str]
    misnamed_values: str
    duty_words: tuple[str, str, str]  # follow, report, investigate
    intervene: str
    plan_items: tuple[str, str]  # problem, evaluated
    who_carries_out: str
    plan_owner_item: str  # the 1998 act's "who is responsible"
    at_once: str
    directly_to_owner: str
    kindergarten_authority: str
    owner: str
    negation: str


TERMS = {
    "nb": Terms(
        old_report=r"\bvarsl\w*|\bvarsel\w*",
        old_measures=r"så langt det finnes",
        report_to_principal=r"\bmeld\w*(\s+\w+){0,2}\s+fra til rektor",
        report_to_head=r"\bmeld\w*(\s+\w+){0,2}\s+fra til styreren",
        report_to_owner=r"\bmeld\w*(\s+\w+){0,3}\s+til skoleeier",
        municipality_or_county=r"kommunen eller fylkeskommunen",
        five_duties=r"\bfem\s+(handlings|del)?plikt",
        six_duties=r"\bseks\s+(handlings|del)?plikt",
        documentation=r"\bdokumenter\w*|\bdokumentasjon",
        county_governor=r"statsforvalter",
        sfo=r"\bSFO\b|skolefritidsordning",
        homework_help=r"leksehjelp",
        values=(
            r"kritisk tenkning og etisk bevissthet",
            r"skaperglede, engasjement og utforskertrang",
        ),
        misnamed_values=r"kritisk tenkning og etikk\b|skaperglede og utforskertrang",
        duty_words=(r"\bfølge\w*\s+med\b|\bfølger\s+med\b", r"\bmeld\w*\s+fra\b", r"undersøk"),
        intervene=r"\bgri(pe|per)\s+inn\b|\bgrep\s+inn\b",
        plan_items=(r"problem", r"evaluer"),
        who_carries_out=r"hvem som skal gjennomføre",
        plan_owner_item=r"hvem som (har ansvaret|er ansvarlig)",
        at_once=r"\bstraks\b",
        directly_to_owner=r"direkte til (barnehage)?eieren",
        kindergarten_authority=r"barnehagemyndighet",
        owner=r"barnehageeier",
        negation=r"\b(ikke|ingen|aldri)\b",
    ),
    "nn": Terms(
        old_report=r"\bvarsl\w*|\bvarsel\w*",
        old_measures=r"så langt det finst",
        report_to_principal=r"\bmeld\w*(\s+\w+){0,2}\s+frå til rektor",
        report_to_head=r"\bmeld\w*(\s+\w+){0,2}\s+frå til styraren",
        report_to_owner=r"\bmeld\w*(\s+\w+){0,3}\s+til skoleeigar",
        municipality_or_county=r"kommunen eller fylkeskommunen",
        five_duties=r"\bfem\s+(handlings|del)?plikt",
        six_duties=r"\bseks\s+(handlings|del)?plikt",
        documentation=r"\bdokumenter\w*|\bdokumentasjon",
        county_governor=r"statsforvaltar",
        sfo=r"\bSFO\b|skolefritidsordning",
        homework_help=r"leksehjelp",
        values=(
            r"kritisk tenking og etisk medvit",
            r"skaparglede, engasjement og utforskartrong",
        ),
        misnamed_values=r"kritisk tenking og etikk\b|skaparglede og utforskartrong",
        duty_words=(r"\bfølgj\w*\s+med\b|\bfølgjer\s+med\b", r"\bmeld\w*\s+frå\b", r"undersøk"),
        intervene=r"\bgri(pe|p|per)\s+inn\b|\bgreip\s+inn\b",
        plan_items=(r"problem", r"evaluer"),
        who_carries_out=r"kven som skal gjennomføre",
        plan_owner_item=r"kven som (har ansvaret|er ansvarleg)",
        at_once=r"\bstraks\b",
        directly_to_owner=r"direkte til (barnehage)?eigaren",
        kindergarten_authority=r"barnehagemyndigheit",
        owner=r"barnehageeigar",
        negation=r"\b(ikkje|ingen|inga|ikkje noko|aldri)\b",
    ),
    "en": Terms(
        old_report=(
            r"\b(notif(y|ies|ied|ying|ication)|alert\w*|warn\w*)\b[^.]{0,40}"
            r"\b(principal|head|owner|municipality|county)|whistle-?blow\w*"
        ),
        old_measures=r"\b(as|so) far as (there are|such|suitable)",
        report_to_principal=r"\breport\w*(\s+\w+){0,3}\s+to the principal",
        report_to_head=r"\breport\w*(\s+\w+){0,3}\s+to the head of the kindergarten",
        report_to_owner=r"\breport\w*(\s+\w+){0,3}\s+to the school owner",
        municipality_or_county=r"municipality or county",
        five_duties=r"\bfive\s+(action\s+)?duties",
        six_duties=r"\bsix\s+(action\s+)?duties",
        documentation=r"\bdocument(s|ed|ing|ation)?\b",
        county_governor=r"County Governor",
        sfo=r"\bSFO\b|after-school",
        homework_help=r"homework help",
        values=(
            r"critical thinking and ethical awareness",
            r"the joy of creating, engagement and the urge to explore",
        ),
        misnamed_values=(
            r"critical thinking and ethics\b|joy of creating and (the )?urge to explore"
        ),
        duty_words=(r"\bmonitor\w*", r"\breport\w*", r"\binvestigat\w*"),
        intervene=r"\bintervene\w*|\bintervening\b|\bintervention",
        plan_items=(r"problem", r"evaluat"),
        who_carries_out=(
            r"who (will|is to|shall|should) carry (them|it|the measures) out"
            r"|who (will|is to|shall|should) carry out the measures"
            r"|who carries (them|it|the measures) out|who carries out the measures"
        ),
        plan_owner_item=r"who is (responsible|in charge)",
        at_once=r"\b(at once|immediately|straight away)\b",
        directly_to_owner=r"directly to the (kindergarten )?owner",
        kindergarten_authority=r"kindergarten authority",
        owner=r"kindergarten owner|\bowner\b",
        negation=r"\b(no|not|never)\b|n't\b",
    ),
}

OLD_ACT = r"(§+|kapittel|kapittelet|chapter|section|sections)\s*9\s?A\b|\b9\s?A-\d+"


def rules(package_id: str, language: str) -> dict[str, Rule]:
    t = TERMS[language]
    common: dict[str, Rule] = {
        "no old word for reporting": MustNot(t.old_report),
        "no § 9 A": MustNot(OLD_ACT),
        # a listing of the duties names every one of them, gripe inn included
        "intervene in every listing": Wherever(t.duty_words, then=t.intervene, unit="paragraph"),
        "plan: who carries out": Must(t.who_carries_out),
        "plan items name who carries out": Wherever(
            t.plan_items, then=t.who_carries_out, then_not=t.plan_owner_item
        ),
    }
    if package_id == SCHOOL:
        return common | {
            "no 'as far as measures exist'": MustNot(t.old_measures),
            "report to the principal": Must(t.report_to_principal),
            "principal reports to municipality or county": Must(t.municipality_or_county),
            "not to the school owner": MustNot(t.report_to_owner),
            "five action duties": Must(t.five_duties),
            "not six duties": MustNot(t.six_duties),
            "duty to document": Must(t.documentation),
            "straks only with § 12-5": Wherever((t.at_once,), then=r"12-5"),
            "straks never with § 12-4": Wherever((t.at_once,), then_not=r"12-4", unit="sentence"),
            "County Governor": Must(t.county_governor),
            "§ 12-6": Must(r"12-6\b"),
            "§ 12-1": Must(r"12-1\b"),
            "SFO": Must(t.sfo),
            "homework help": Must(t.homework_help),
            "§ 10-1": Must(r"10-1\b"),
            "§ 10-2": Must(r"10-2\b"),
            "value: critical thinking": Must(t.values[0]),
            "value: joy of creating": Must(t.values[1]),
            "values named exactly": MustNot(t.misnamed_values),
        }
    return common | {
        "report to the head": Must(t.report_to_head),
        "§ 43: directly to the owner": Must(t.directly_to_owner),
        "straks only with § 43": Wherever((t.at_once,), then=r"§\s*43|section 43"),
        "straks never with § 42": Wherever(
            (t.at_once,), then_not=r"§\s*42|section 42", unit="sentence"
        ),
        "parents: kindergarten authority": Must(t.kindergarten_authority),
        "parents: owner": Must(t.owner),
        "no County Governor scheme": Wherever(
            (t.county_governor,), then=t.negation, unit="sentence"
        ),
        "intervene named": Must(t.intervene),
    }


def law_problems(package_id: str, language: str, texts: list[Text]) -> dict[str, list[str]]:
    found = {name: rule.problems(texts) for name, rule in rules(package_id, language).items()}
    return {name: problems for name, problems in found.items() if problems}


# --- the packages as they are -----------------------------------------------------------------


@pytest.mark.parametrize(("package_id", "language"), present_languages())
def test_every_language_states_the_law_as_it_stands(package_id: str, language: str) -> None:
    problems = law_problems(package_id, language, language_texts(package_id, language))
    assert not problems, "\n".join(f"{name}: {p}" for name, ps in problems.items() for p in ps)


def test_bokmal_is_always_checked() -> None:
    assert (SCHOOL, "nb") in present_languages()
    assert (KINDERGARTEN, "nb") in present_languages()


def test_a_mirror_file_is_read_as_its_language(tmp_path: Path, monkeypatch: Any) -> None:
    (tmp_path / f"{SCHOOL}.yaml").write_text("modules: []\n", encoding="utf-8")
    (tmp_path / f"{SCHOOL}.nn.yaml").write_text(
        "modules:\n  - steps:\n      - id: s5-3\n        body: Du skal varsle rektor.\n",
        encoding="utf-8",
    )
    monkeypatch.setitem(globals(), "PACKAGES_DIR", tmp_path)
    texts = language_texts(SCHOOL, "nn")
    assert [text.text for text in texts] == ["Du skal varsle rektor."]
    assert "no old word for reporting" in law_problems(SCHOOL, "nn", texts)


# --- each rule fails when its fact is broken --------------------------------------------------

# A text in each language that keeps every rule; bokmål uses the real package files instead.
GOOD = {
    (SCHOOL, "nn"): [
        "Kapittel 12 i opplæringslova gjeld òg i SFO og leksehjelpa (§ 12-1).",
        "§ 12-4 har fem handlingsplikter: å følgje med, å gripe inn, å melde frå til rektor, å "
        "undersøkje og å rette opp situasjonen med eigna tiltak.",
        "I tillegg kjem ein skriftleg plan og ei plikt til å dokumentere arbeidet.",
        "Planen seier kva problem tiltaka skal løyse, kva tiltak som er planlagde, når dei skal "
        "gjennomførast, kven som skal gjennomføre dei, og når dei skal evaluerast.",
        "I alvorlege saker melder rektor frå til kommunen eller fylkeskommunen.",
        "Etter § 12-5 skal du straks melde frå til rektor når ein tilsett krenkjer ein elev.",
        "Har eleven teke saka opp med rektor, kan ho meldast til statsforvaltaren etter § 12-6.",
        "Det beste for eleven og retten til å bli høyrd står i §§ 10-1 og 10-2.",
        "Verdiane er mellom anna kritisk tenking og etisk medvit og skaparglede, engasjement og "
        "utforskartrong.",
    ],
    (SCHOOL, "en"): [
        "Chapter 12 of the Education Act also covers SFO and homework help (section 12-1).",
        "Section 12-4 sets out five action duties: to monitor, to intervene, to report to the "
        "principal, to investigate and to put things right with suitable measures.",
        "On top of these come a written plan and a duty to document what the school does.",
        "The plan states the problem the measures are to solve, which measures are planned, when "
        "they are carried out, who will carry them out and when they are evaluated.",
        "In serious cases the principal reports to the municipality or county authority.",
        "Under section 12-5 you report at once to the principal when staff offend a pupil.",
        "Once raised with the principal, a case can go to the County Governor (section 12-6).",
        "The pupil's best interest and right to be heard are in sections 10-1 and 10-2.",
        "The values include critical thinking and ethical awareness, and the joy of creating, "
        "engagement and the urge to explore.",
    ],
    (KINDERGARTEN, "nn"): [
        "Alle som arbeider i barnehagen, skal følgje med, gripe inn, melde frå til styraren, "
        "undersøkje og setje inn tiltak (§ 42).",
        "Planen seier kva problem tiltaka skal løyse, kva tiltak som er planlagde, når dei skal "
        "gjennomførast, kven som skal gjennomføre dei, og når dei skal evaluerast.",
        "Etter § 43 skal du straks melde frå til styraren når ein tilsett krenkjer eit barn.",
        "Er det styraren som krenkjer, melder du frå direkte til barnehageeigaren.",
        "Foreldre går til styraren og barnehageeigaren, og kommunen fører tilsyn som "
        "barnehagemyndigheit.",
        "Barnehagane har inga ordning der foreldre tek ei sak til statsforvaltaren.",
    ],
    (KINDERGARTEN, "en"): [
        "Everyone who works in the kindergarten shall monitor, intervene, report to the head of "
        "the kindergarten, investigate and take measures (section 42).",
        "The plan states the problem the measures are to solve, which measures are planned, when "
        "they are carried out, who will carry them out and when they are evaluated.",
        "Under section 43 you report at once to the head of the kindergarten when staff offend a "
        "child.",
        "If the head is the one offending, you report directly to the kindergarten owner.",
        "Parents turn to the head and the owner; the municipality supervises as the kindergarten "
        "authority.",
        "Kindergartens have no scheme for taking a case to the County Governor.",
    ],
}

# For each rule that forbids something: a sentence that breaks it, in each language.
BAD = {
    "nb": {
        "no old word for reporting": "Du skal varsle rektor.",
        "no § 9 A": "Dette følger av § 9 A-4.",
        "intervene in every listing": "Alle skal følge med, melde fra og undersøke.",
        "plan items name who carries out": "Planen sier hvilket problem tiltakene skal løse, "
        "hvem som har ansvaret og når de skal evalueres.",
        "no 'as far as measures exist'": "Skolen setter inn tiltak så langt det finnes slike.",
        "not to the school owner": "Rektor melder fra til skoleeieren.",
        "not six duties": "Aktivitetsplikten har seks plikter.",
        "straks only with § 12-5": "Du skal straks melde fra til rektor.",
        "straks never with § 12-4": "Etter § 12-5 melder du fra. Etter § 12-4 skal det skje "
        "straks.",
        "values named exactly": "En av verdiene er kritisk tenkning og etikk.",
        "straks only with § 43": "Du skal straks melde fra til styreren.",
        "straks never with § 42": "Etter § 43 melder du fra. Etter § 42 skal det skje straks.",
        "no County Governor scheme": "Foreldrene kan melde saken til statsforvalteren.",
    },
    "nn": {
        "no old word for reporting": "Du skal varsle rektor.",
        "no § 9 A": "Dette følgjer av § 9 A-4.",
        "intervene in every listing": "Alle skal følgje med, melde frå og undersøkje.",
        "plan items name who carries out": "Planen seier kva problem tiltaka skal løyse, kven "
        "som har ansvaret og når dei skal evaluerast.",
        "no 'as far as measures exist'": "Skolen set inn tiltak så langt det finst slike.",
        "not to the school owner": "Rektor melder frå til skoleeigaren.",
        "not six duties": "Aktivitetsplikta har seks plikter.",
        "straks only with § 12-5": "Du skal straks melde frå til rektor.",
        "straks never with § 12-4": "Etter § 12-5 melder du frå. Etter § 12-4 skal det skje "
        "straks.",
        "values named exactly": "Ein av verdiane er kritisk tenking og etikk.",
        "straks only with § 43": "Du skal straks melde frå til styraren.",
        "straks never with § 42": "Etter § 43 melder du frå. Etter § 42 skal det skje straks.",
        "no County Governor scheme": "Foreldra kan melde saka til statsforvaltaren.",
    },
    "en": {
        "no old word for reporting": "You must notify the principal.",
        "no § 9 A": "This follows from section 9 A-4.",
        "intervene in every listing": "Everyone shall monitor, report and investigate.",
        "plan items name who carries out": "The plan states the problem to solve, who is "
        "responsible and when the measures are evaluated.",
        "no 'as far as measures exist'": "The school takes measures as far as there are any.",
        "not to the school owner": "The principal reports to the school owner.",
        "not six duties": "The activity duty has six duties.",
        "straks only with § 12-5": "You must report at once to the principal.",
        "straks never with § 12-4": "Under section 12-5 you report. Under section 12-4 this "
        "happens at once.",
        "values named exactly": "One of the values is critical thinking and ethics.",
        "straks only with § 43": "You must report at once to the head of the kindergarten.",
        "straks never with § 42": "Under section 43 you report. Under section 42 this happens "
        "immediately.",
        "no County Governor scheme": "Parents can take the case to the County Governor.",
    },
}


def _cases() -> Iterator[tuple[str, str, str]]:
    for package_id in (SCHOOL, KINDERGARTEN):
        for language in LANGUAGES:
            for name in rules(package_id, language):
                yield package_id, language, name


def _good(package_id: str, language: str) -> list[Text]:
    if language == "nb":
        return language_texts(package_id, language)
    return [Text(f"good[{i}]", text) for i, text in enumerate(GOOD[(package_id, language)])]


@pytest.mark.parametrize(("package_id", "language"), sorted(GOOD))
def test_the_model_texts_keep_every_rule(package_id: str, language: str) -> None:
    assert law_problems(package_id, language, _good(package_id, language)) == {}


@pytest.mark.parametrize(("package_id", "language", "name"), list(_cases()))
def test_each_rule_fails_on_a_text_that_breaks_it(
    package_id: str, language: str, name: str
) -> None:
    rule = rules(package_id, language)[name]
    good = _good(package_id, language)
    assert name not in law_problems(package_id, language, good)
    broken = rule.broken(good, BAD[language].get(name))
    assert name in law_problems(package_id, language, broken)


# --- steps that cite a section link to it on Lovdata ------------------------------------------

SECTION = re.compile(r"(?<!Grunnloven )§+\s*\d+")
HREF = re.compile(r'href="([^"]+)"')


def unlinked_citations(package_id: str, steps: list[Step]) -> list[str]:
    """Steps that cite a section of the act without a link to the act on Lovdata."""
    act = LOVDATA[package_id]
    missing = []
    for step in steps:
        shown = " ".join(filter(None, (step.title, step.body, step.practice)))
        if not SECTION.search(shown):
            continue
        urls = [unquote(str(step.link))] if step.link else []
        urls += [unquote(url) for url in HREF.findall(shown)]
        if not any(url.startswith(act) for url in urls):
            missing.append(step.id)
    return missing


def _steps(package: Package) -> list[Step]:
    return [step for module in package.modules for step in module.steps]


@pytest.mark.parametrize("package_id", [SCHOOL, KINDERGARTEN])
def test_steps_that_cite_a_section_link_to_lovdata(package_id: str) -> None:
    assert unlinked_citations(package_id, _steps(load_packages()[package_id])) == []


@pytest.mark.parametrize("package_id", [SCHOOL, KINDERGARTEN])
def test_a_step_citing_a_section_without_its_link_is_found(package_id: str) -> None:
    steps = _steps(load_packages()[package_id])
    citing = [step for step in steps if step.link and "lovdata" in str(step.link)]
    assert citing, "no step links to Lovdata"
    unlinked = [s.model_copy(update={"link": None}) if s is citing[0] else s for s in steps]
    before = set(unlinked_citations(package_id, steps))
    assert set(unlinked_citations(package_id, unlinked)) - before == {citing[0].id}
