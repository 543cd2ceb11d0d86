"""YAML read into plain data that remembers its lines, so that a checker can say `file:line`.

PyYAML first composes a document into nodes, which know where they start; the data is then
constructed from those nodes, and every key and list item is mapped to its line. Keys written
twice (PyYAML silently keeps the last) are found on the nodes, before construction hides them.
Shared by the content packages and the plan files; each words its own messages.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

import yaml

YamlPath = tuple[object, ...]  # keys and list indices from the document's root
Lines = dict[YamlPath, int]

_MERGE_TAG = "tag:yaml.org,2002:merge"

# Untrusted files (a plan from a municipality, a package from a translator) are bounded before
# anything walks them: a package is ~70 KB with ~4,000 values, so these leave room to grow.
MAX_CHARACTERS = 1_000_000
MAX_EXPANDED_VALUES = 100_000  # aliases counted as often as they are used ("billion laughs")


class YamlTooLarge(yaml.MarkedYAMLError):
    """A file, or what its aliases expand to, beyond the bounds above."""

    def __init__(self, problem: str, line: int = 0) -> None:
        mark = yaml.Mark("<file>", 0, line, 0, "", 0)
        super().__init__(problem=problem, problem_mark=mark)


@dataclass(frozen=True)
class DuplicateKey:
    key: str  # as written in the file
    line: int
    first_line: int  # where the same key was set before, in the same mapping


@dataclass(frozen=True)
class YamlDocument:
    data: object  # None for an empty document
    lines: Lines
    duplicate_keys: list[DuplicateKey]


def load(text: str, loader_class: type[yaml.SafeLoader] = yaml.SafeLoader) -> YamlDocument:
    """The data of the one document in `text`, the line of every path in it, and its repeated
    keys. Raises what PyYAML raises for text it cannot read (yaml.YAMLError, and ValueError for
    an explicit tag on a value that does not fit it, such as `!!int x`)."""
    if len(text) > MAX_CHARACTERS:
        raise YamlTooLarge(
            f"the file has {len(text):,} characters; at most {MAX_CHARACTERS:,} are read"
        )
    loader = loader_class(text)
    try:
        root = loader.get_single_node()
        if root is None:
            return YamlDocument(None, {}, [])
        _check_expansion(root)
        # before constructing: construction folds merge keys (<<) into their mappings
        duplicates = list(_duplicate_keys(root, set()))
        data = loader.construct_document(root)
        lines: Lines = {}
        _map_lines(loader, root, (), root.start_mark.line + 1, lines, set())
        return YamlDocument(data, lines, duplicates)
    finally:
        loader.dispose()


def _check_expansion(root: yaml.Node) -> None:
    """Refuse a document whose aliases make it larger than MAX_EXPANDED_VALUES, or that holds
    itself, before construction or the line map walk it: each node is sized once."""
    sizes: dict[int, int] = {}
    in_progress: set[int] = set()

    def size(node: yaml.Node, line: int) -> int:
        known = sizes.get(id(node))
        if known is not None:
            return known
        if id(node) in in_progress:
            raise YamlTooLarge(
                "an alias refers to a value that contains it (a recursive alias)", line
            )
        in_progress.add(id(node))
        total = 1
        for child, child_line in _children(node):
            total += size(child, child_line)
            if total > MAX_EXPANDED_VALUES:
                raise YamlTooLarge(
                    f"aliases expand this file to over {MAX_EXPANDED_VALUES:,} values; "
                    "write the values out instead of nesting aliases",
                    child_line,
                )
        in_progress.discard(id(node))
        sizes[id(node)] = total
        return total

    size(root, root.start_mark.line)


def _children(node: yaml.Node) -> Iterator[tuple[yaml.Node, int]]:
    """A node's keys and values with the line each is used at (an alias has no line of its
    own: its node is the anchor's), 0-based as PyYAML counts."""
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            yield key, key.start_mark.line
            yield value, key.start_mark.line
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            yield item, node.start_mark.line


def line_of(lines: Mapping[YamlPath, int], path: Iterable[object]) -> int:
    """The line of the deepest part of `path` that is in the file; parts that are not (a missing
    key, a union's tag in a validation error) are skipped. 1 when nothing of it is there."""
    found: YamlPath = ()
    for part in path:
        if (*found, part) in lines:
            found = (*found, part)
    return lines.get(found, 1)


def _duplicate_keys(node: yaml.Node, seen: set[int]) -> Iterator[DuplicateKey]:
    if id(node) in seen:  # an alias: already checked where its anchor is
        return
    seen.add(id(node))
    if isinstance(node, yaml.MappingNode):
        first_lines: dict[tuple[str, str], int] = {}
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode) and key.tag != _MERGE_TAG:
                line = key.start_mark.line + 1
                first = first_lines.setdefault((key.tag, key.value), line)
                if first != line:
                    yield DuplicateKey(key.value, line, first)
            yield from _duplicate_keys(value, seen)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            yield from _duplicate_keys(item, seen)


def _map_lines(
    loader: yaml.SafeLoader,
    node: yaml.Node,
    path: YamlPath,
    line: int,
    lines: Lines,
    on_path: set[int],
) -> None:
    """A mapping entry's line is its key's; a list item's is where the item starts."""
    lines.setdefault(path, line)
    if id(node) in on_path:  # a recursive alias
        return
    on_path.add(id(node))
    if isinstance(node, yaml.MappingNode):
        for key_node, value in node.value:
            key = _key(loader, key_node)
            if key is not None:
                entry_line = key_node.start_mark.line + 1
                _map_lines(loader, value, (*path, key), entry_line, lines, on_path)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            item_line = item.start_mark.line + 1
            _map_lines(loader, item, (*path, index), item_line, lines, on_path)
    on_path.discard(id(node))


def _key(loader: yaml.SafeLoader, node: yaml.Node) -> object | None:
    if not isinstance(node, yaml.ScalarNode):
        return None
    key: object = loader.construct_object(node)  # the same value the data holds: `1`, `true`
    try:
        hash(key)
    except TypeError:
        return None
    return key
