"""The YAML half of front matter reading: PyYAML and our safe loaders.

Imported by ``_frontmatter`` on the first front matter its own reader
(``_frontmatter._simple``) leaves to PyYAML, or on the first key written. Reading goes
through libyaml where PyYAML has it (``CSafeLoader``) or PyYAML's own parser, with a
SafeLoader of our own that keeps timestamps as the strings written, refuses duplicate
keys and keys that collide as text, bounds what aliases expand to (:func:`check_graph`),
and refuses values no JSON holds (lone surrogates, integers of more than 4,300 digits),
each at its place. Writing is ``_frontmatter_dump``'s.
"""

from __future__ import annotations

import contextlib
import math
from typing import Any

import yaml

from ._frontmatter import FrontMatterError
from ._text import SURROGATE

__all__ = ["EXPANSION", "IMPLICIT_RESOLVERS", "MAX_INT", "check_graph", "load_yaml"]

IMPLICIT_RESOLVERS = yaml.SafeLoader.yaml_implicit_resolvers
"""PyYAML's table of the tags of plain scalars (``_frontmatter._implicit_tag`` reads it)."""
_INT_TAG = "tag:yaml.org,2002:int"
_MERGE_TAG = "tag:yaml.org,2002:merge"
MAX_INT = 10**4300 - 1
"""The largest integer front matter may hold: 4,300 digits, what JSON readers (ours included) take."""
EXPANSION = 10
"""A front matter may expand, through its aliases, to ten times its size as written (plus 1,000)."""


def _weight(node: Any) -> int:
    """A node's own size: one, plus its text for a scalar."""
    return 1 + len(node.value) if isinstance(node, yaml.ScalarNode) else 1


def _children(node: Any) -> list[Any]:
    if isinstance(node, yaml.MappingNode):
        return [child for pair in node.value for child in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def _refuse(problem: str, node: Any) -> yaml.MarkedYAMLError:
    return yaml.MarkedYAMLError(None, None, problem, node.start_mark)


def check_graph(root: Any) -> None:
    """Refuse a composed document whose aliases expand it past the budget, or that holds
    a lone surrogate; before anything is built, in two passes linear in the nodes written.

    The budget is :data:`EXPANSION` times the document as written (each node counts one,
    a scalar one more per character), plus 1,000: aliases, merge keys included, are
    counted as far as they expand, so neither the count of aliases nor their depth matters.
    """
    written = 0
    seen: set[int] = set()
    todo = [root]
    while todo:
        node = todo.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        written += _weight(node)
        if isinstance(node, yaml.ScalarNode):
            if not node.value.isascii() and SURROGATE.search(node.value):
                found = SURROGATE.search(node.value)
                assert found is not None
                code = ord(found.group())
                raise _refuse(
                    f"a lone surrogate (\\u{code:04x}), from an escape: no UTF-8 text can hold it", node
                )
        else:
            todo.extend(_children(node))
    budget = EXPANSION * written + 1000
    expanded: dict[int, int] = {}
    on_path: set[int] = set()
    stack: list[tuple[Any, bool]] = [(root, False)]
    while stack:
        node, leaving = stack.pop()
        key = id(node)
        if leaving:
            on_path.discard(key)
            total = _weight(node) + sum(expanded[id(child)] for child in _children(node))
            if total > budget:
                raise _refuse(
                    f"aliases expand the front matter past {budget:,} values and characters, "
                    f"{EXPANSION} times what is written: refused as a possible alias bomb",
                    node,
                )
            expanded[key] = total
            continue
        if key in expanded:
            continue
        if key in on_path:
            raise _refuse("an alias to a value that holds it: expected values that end", node)
        on_path.add(key)
        stack.append((node, True))
        stack.extend((child, False) for child in _children(node) if id(child) not in expanded)


_UNCONVERTIBLE = (ValueError, IndexError, KeyError, TypeError, OverflowError)
"""What PyYAML's constructors raise on a value their tag does not fit."""


def _key_text(key: Any) -> str:
    """A key as the JSON of the front matter names it (see :func:`_to_json`)."""
    return key if isinstance(key, str) else str(key)


class _Checks:
    """What both loaders add to PyYAML's safe loading."""

    def construct_document(self, node: Any) -> Any:
        check_graph(node)
        try:
            return super().construct_document(node)  # type: ignore[misc]
        except _UNCONVERTIBLE as exc:  # from a value built after its node (a set's members)
            raise _refuse(f"a value that cannot be read as its tag says ({exc!r})", node) from None

    def construct_object(self, node: Any, deep: bool = False) -> Any:
        """PyYAML's, with a place for what its constructors raise on a value their tag does not
        fit (``!!int x``, ``!!bool maybe``, ``!!map [1, 2]``): ValueError, KeyError and others."""
        try:
            return super().construct_object(node, deep=deep)  # type: ignore[misc]
        except _UNCONVERTIBLE:
            tag = str(node.tag).rpartition(":")[2]
            raise _refuse(
                f"this value cannot be read as {tag}: expected a value of that type", node
            ) from None

    def construct_mapping(self, node: Any, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, Any] = {}
        texts: dict[str, Any] = {}
        for key_node, _ in node.value:
            if key_node.tag == _MERGE_TAG:
                continue  # '<<: *a' merges; the keys written beside it win
            key = self.construct_object(key_node, deep=True)
            try:
                duplicate = key in seen
            except TypeError:
                duplicate = False
            if duplicate:
                raise yaml.MarkedYAMLError(
                    "while reading a mapping", node.start_mark, f"duplicate key {key!r}", key_node.start_mark
                )
            with contextlib.suppress(TypeError):
                seen[key] = key
            text = _key_text(key)
            if text in texts:
                raise yaml.MarkedYAMLError(
                    "while reading a mapping",
                    node.start_mark,
                    f"keys {texts[text]!r} and {key!r} are one key once written as text: "
                    "expected keys that differ",
                    key_node.start_mark,
                )
            texts[text] = key
        if isinstance(node, yaml.MappingNode):
            self.flatten_mapping(node)  # type: ignore[attr-defined]
        return super().construct_mapping(node, deep=deep)  # type: ignore[misc, no-any-return]

    def construct_yaml_timestamp(self, node: Any) -> Any:
        return self.construct_scalar(node)  # type: ignore[attr-defined]

    def construct_yaml_int(self, node: Any) -> Any:
        digits = sum(ch.isdigit() for ch in str(node.value))
        try:
            value = super().construct_yaml_int(node)  # type: ignore[misc]
        except _UNCONVERTIBLE:
            if digits <= 4300:
                raise _refuse("this value cannot be read as int: expected an integer", node) from None
            value = None
        if value is None or not -MAX_INT <= value <= MAX_INT:
            raise _refuse(
                "an integer of more than 4,300 digits: no JSON reader takes it (quote it to keep it as text)",
                node,
            )
        return value

    def construct_yaml_float(self, node: Any) -> Any:
        value = super().construct_yaml_float(node)  # type: ignore[misc]
        if not math.isfinite(value):
            problem = f"{node.value} is not a finite number: JSON holds none (quote it to keep it as text)"
            raise _refuse(problem, node)
        return value

    def construct_yaml_set(self, node: Any) -> Any:
        """A ``!!set`` as the list of its members in the order written (a set's order would
        change with the hash seed)."""
        members: list[Any] = []
        yield members
        members.extend(dict.fromkeys(self.construct_mapping(node)))


class _Loader(_Checks, yaml.SafeLoader):
    """Pure-Python SafeLoader (used when the text has an anchor, and for every error)."""


_CSafeLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _FastLoader(_Checks, _CSafeLoader):  # type: ignore[valid-type, misc]
    """libyaml's parser where PyYAML has it: for text without anchors, hence without aliases."""


for _loader in (_Loader, _FastLoader):
    _loader.yaml_implicit_resolvers = {
        first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }
    _loader.add_constructor("tag:yaml.org,2002:timestamp", _Checks.construct_yaml_timestamp)  # type: ignore[type-var]
    _loader.add_constructor("tag:yaml.org,2002:int", _Checks.construct_yaml_int)  # type: ignore[type-var]
    _loader.add_constructor("tag:yaml.org,2002:set", _Checks.construct_yaml_set)  # type: ignore[type-var]
    _loader.add_constructor("tag:yaml.org,2002:float", _Checks.construct_yaml_float)  # type: ignore[type-var]


def _load_any(text: str) -> Any:
    """libyaml where it can be used; PyYAML's own parser for anchors and for every error,
    so that results and messages never depend on whether libyaml is installed."""
    if "&" not in text:
        try:
            return yaml.load(text, Loader=_FastLoader)  # as python-frontmatter's YAMLHandler did
        except (yaml.YAMLError, *_UNCONVERTIBLE):
            pass
    loader = _Loader(text)
    try:
        return loader.get_single_data()
    except _UNCONVERTIBLE as exc:  # the scanner's own (an escape past U+10FFFF): where it stopped
        mark = loader.get_mark()
        raise yaml.MarkedYAMLError(None, None, f"a value PyYAML cannot read ({exc})", mark) from None
    finally:
        loader.dispose()


def load_yaml(text: str) -> Any:
    """The YAML *text* read by PyYAML, our checks included. Raises FrontMatterError."""
    try:
        return _load_any(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        column = mark.column + 1 if mark is not None else 1
        problem = exc.problem or exc.context or "invalid YAML"
        syntax = isinstance(exc, yaml.scanner.ScannerError | yaml.parser.ParserError)
        raise FrontMatterError(
            f"front matter is not valid YAML: {problem}", line, column, syntax=syntax
        ) from None
    except yaml.YAMLError as exc:
        raise FrontMatterError(f"front matter is not valid YAML: {exc}") from None
    except RecursionError:
        raise FrontMatterError("front matter is nested too deeply") from None
