from __future__ import annotations

import textwrap

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from domain import yaml_lines
from domain.yaml_lines import DuplicateKey, YamlPath


def load(text: str) -> yaml_lines.YamlDocument:
    return yaml_lines.load(textwrap.dedent(text).lstrip("\n"))


def test_keys_and_list_items_have_the_line_they_start_on() -> None:
    document = load(
        """
        # a comment
        name: Skole
        groups:
          - slug: a
            size: 3

          - slug: b
        """
    )
    assert document.data == {"name": "Skole", "groups": [{"slug": "a", "size": 3}, {"slug": "b"}]}
    assert document.lines[("name",)] == 2
    assert document.lines[("groups",)] == 3
    assert document.lines[("groups", 0)] == 4
    assert document.lines[("groups", 0, "size")] == 5
    assert document.lines[("groups", 1, "slug")] == 7


def test_line_of_falls_back_to_the_deepest_part_that_is_in_the_file() -> None:
    document = load(
        """
        groups:
          - slug: a
        """
    )
    assert yaml_lines.line_of(document.lines, ("groups", 0, "missing", "deeper")) == 2
    assert yaml_lines.line_of(document.lines, ("groups", "tagged-union", 0)) == 2
    assert yaml_lines.line_of(document.lines, ("nowhere",)) == 1


def test_keys_written_twice_are_reported_with_both_lines() -> None:
    document = load(
        """
        name: one
        other: x
        name: two
        """
    )
    assert document.data == {"name": "two", "other": "x"}
    assert document.duplicate_keys == [DuplicateKey("name", 3, 1)]


def test_merge_keys_and_aliases_are_not_repeats() -> None:
    document = load(
        """
        base: &base {a: 1}
        first:
          <<: *base
          b: 2
        second:
          <<: *base
        """
    )
    assert document.duplicate_keys == []
    assert document.data == {"base": {"a": 1}, "first": {"a": 1, "b": 2}, "second": {"a": 1}}
    # an alias's keys stand at its anchor's line
    assert document.lines[("first", "b")] == 4


def test_an_empty_document_has_no_data() -> None:
    document = load("# only a comment\n")
    assert document == yaml_lines.YamlDocument(None, {}, [])


def test_unreadable_yaml_raises_what_pyyaml_raises() -> None:
    with pytest.raises(yaml.MarkedYAMLError) as error:
        load("a: [1, 2\n")
    assert error.value.problem_mark is not None


def test_keys_are_the_values_the_loader_makes_of_them() -> None:
    class TextLoader(yaml.SafeLoader):
        pass

    TextLoader.yaml_implicit_resolvers = {}  # every plain scalar stays text
    text = "1: one\ntrue: yes\n"
    assert yaml_lines.load(text).lines.keys() >= {(1,), (True,)}
    as_text = yaml_lines.load(text, TextLoader)
    assert as_text.data == {"1": "one", "true": "yes"}
    assert as_text.lines == {(): 1, ("1",): 1, ("true",): 2}


plain = st.text(alphabet="abcdefghij", min_size=1, max_size=5)
trees = st.recursive(
    st.integers(0, 99) | plain,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(plain, children, max_size=3),
    max_leaves=12,
)


def _paths(data: object, path: YamlPath = ()) -> list[YamlPath]:
    found = [path]
    if isinstance(data, dict):
        for key, value in data.items():
            found += _paths(value, (*path, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            found += _paths(value, (*path, index))
    return found


@given(trees)
def test_every_path_in_the_data_has_a_line(data: object) -> None:
    text = yaml.safe_dump(data, default_flow_style=False)
    document = yaml_lines.load(text)
    assert document.data == data
    assert document.duplicate_keys == []
    line_count = text.count("\n") + 1
    for path in _paths(data):
        assert 1 <= document.lines[path] <= line_count


BILLION_LAUGHS = """\
a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]
b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]
d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]
e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]
f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]
g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]
h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g]
"""


def test_aliases_that_expand_beyond_the_bound_are_refused_at_their_line() -> None:
    with pytest.raises(yaml_lines.YamlTooLarge) as raised:
        yaml_lines.load(BILLION_LAUGHS)
    assert "aliases expand" in str(raised.value.problem)
    assert raised.value.problem_mark is not None
    assert raised.value.problem_mark.line + 1 == 6  # f: where the file passes the bound


def test_a_few_shared_anchors_are_still_fine() -> None:
    document = yaml_lines.load(BILLION_LAUGHS.split("d:")[0])  # a, b, c: 9 * 9 * 9 values
    assert isinstance(document.data, dict) and len(document.data["c"]) == 9


def test_a_file_over_the_size_bound_is_refused_before_it_is_parsed() -> None:
    text = "notes: |\n" + "  x\n" * (yaml_lines.MAX_CHARACTERS // 4 + 1)
    with pytest.raises(yaml_lines.YamlTooLarge) as raised:
        yaml_lines.load(text)
    assert "characters" in str(raised.value.problem)
