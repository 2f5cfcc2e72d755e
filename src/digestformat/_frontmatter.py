"""YAML front matter: found, read safely, and written back key by key.

Reading goes through python-frontmatter's YAML handler (libyaml) or PyYAML's
own parser, with a SafeLoader of our own that keeps timestamps as the strings written
(``2026-02-16 00:00:00+0900+0900`` is not a YAML timestamp, ``2025-10-03 08:15:00``
is; both stay text), refuses duplicate keys and keys that collide as text, bounds
what aliases expand to (:func:`check_graph`), and refuses values no JSON holds
(lone surrogates, integers of more than 4,300 digits), each at its place. Writing
keeps the raw lines of every key whose value did not change, so an edit touches
only its own key's lines, and writes an edited key in the style of its old lines
(:func:`dump_key`).
"""

from __future__ import annotations

import contextlib
import math
import re
from io import StringIO as _StringIO
from typing import Any

import yaml
from frontmatter.default_handlers import YAMLHandler
from pydantic import JsonValue

__all__ = ["FrontMatterError", "dump_key", "find", "load"]

_HANDLER = YAMLHandler()
_FENCE = "---"
_CLOSERS = ("---", "...")


class FrontMatterError(Exception):
    """Front matter that cannot be read safely; ``line`` is 1-based within the block."""

    def __init__(self, msg: str, line: int = 1, column: int = 1, *, syntax: bool = False) -> None:
        super().__init__(msg)
        self.msg = msg
        self.line = line
        self.column = column
        self.syntax = syntax
        """YAML's grammar rejects the text (not a refusal of ours, a tag or a non-mapping)."""


_INT_TAG = "tag:yaml.org,2002:int"
_MERGE_TAG = "tag:yaml.org,2002:merge"
MAX_INT = 10**4300 - 1
"""The largest integer front matter may hold: 4,300 digits, what JSON readers (ours included) take."""
EXPANSION = 10
"""A front matter may expand, through its aliases, to ten times its size as written (plus 1,000)."""
_SURROGATE = re.compile("[\ud800-\udfff]")  # one class: a linear scan


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
            if not node.value.isascii() and _SURROGATE.search(node.value):
                found = _SURROGATE.search(node.value)
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


def find(lines: list[str]) -> tuple[int, int] | None:
    """(opening fence, closing fence) indices when *lines* open with front matter, else None.

    The fence is the first line, ``---``. Real archives also have it after lines of blanks,
    or indented: such a fence opens front matter only when the first non-blank line after it
    is a ``key:`` line and the block is closed (Jekyll ignores such a block; the readers
    warn). Raises FrontMatterError (line 1) when a fence on the first line is never closed.
    """
    if not lines:
        return None
    if lines[0].rstrip(" \t") != _FENCE:
        return _find_misplaced(lines)
    for i in range(1, len(lines)):
        if lines[i].rstrip(" \t") in _CLOSERS:
            return 0, i
    raise FrontMatterError("front matter opened with '---' is never closed: expected a closing '---' line")


def misplaced(lines: list[str], block: tuple[int, int]) -> bool:
    """Is the block's opening fence not '---' at the start of the first line (Jekyll's rule)?"""
    return block[0] > 0 or lines[block[0]][:1] in (" ", "\t")


def _find_misplaced(lines: list[str]) -> tuple[int, int] | None:
    """A fence after lines of blanks, or indented (see :func:`find`)."""
    first = 0
    if lines[0].strip(" \t") not in ("", _FENCE):
        return None  # the common case: text on the first line
    while first < len(lines) and not lines[first].strip(" \t"):
        first += 1
    if first == len(lines) or lines[first].strip(" \t") != _FENCE:
        return None
    key = first + 1
    while key < len(lines) and not lines[key].strip(" \t"):
        key += 1
    if key == len(lines) or not _opens_key(lines[key]):
        return None
    for i in range(key + 1, len(lines)):
        if lines[i].rstrip(" \t") in _CLOSERS:
            return first, i
    return None


def _opens_key(line: str) -> bool:
    """'key:' or 'key: value' at column 1, the key made of letters, digits, '_' and '-'."""
    key, colon, rest = line.partition(":")
    return bool(colon) and bool(key) and _KEY_CHARS.issuperset(key) and rest[:1] in ("", " ")


def _to_json(value: Any) -> JsonValue:
    """Plain JSON values: keys become text, bytes become text (non-finite floats were refused)."""
    if isinstance(value, dict):
        return {str(k) if not isinstance(k, str) else k: _to_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_to_json(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


_KEY_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-")
_INDICATORS = frozenset("-?:,[]{}#&*!|>'\"%@`")
_FLOW_FORBIDDEN = frozenset("[]{},\"'#&*!|>%@`:?")
_STR_TAG = "tag:yaml.org,2002:str"
_ODD_CHARACTER = re.compile("[^\n\x20-\x7e\xa0-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]")
"""One character class, no repetition: a linear scan."""


def _implicit_tag(value: str) -> str:
    """The tag PyYAML's resolver gives a plain scalar (its own table, so the same answer)."""
    table = yaml.SafeLoader.yaml_implicit_resolvers
    candidates = table.get(value[0])  # most text starts with a character no resolver claims
    wildcard = table.get(None)
    if not candidates and not wildcard:
        return _STR_TAG
    for tag, regexp in [*(candidates or ()), *(wildcard or ())]:
        if regexp.match(value):
            return str(tag)
    return _STR_TAG


def _plain(value: str, *, in_flow: bool = False) -> Any:
    """A plain scalar the way PyYAML's safe loader reads it, or _NO for anything but text,
    true/false, null and small decimal integers (those go to PyYAML)."""
    if not value or value[0] in _INDICATORS or value != value.strip(" "):
        return _NO
    if ": " in value or " #" in value or value.endswith(":") or "\t" in value:
        return _NO
    if in_flow and not _FLOW_FORBIDDEN.isdisjoint(value):
        return _NO
    tag = _implicit_tag(value)
    if tag in (_STR_TAG, "tag:yaml.org,2002:timestamp"):
        return value  # timestamps stay the text written
    if value in ("true", "false"):
        return value == "true"
    if value in ("null", "~"):
        return None
    if value.isascii() and value.isdigit() and (value == "0" or value[0] != "0") and len(value) < 16:
        return int(value)
    return _NO


_NO: Any = object()


def _quoted(value: str) -> Any:
    """A double-quoted scalar with no escapes and nothing after its closing quote."""
    if len(value) < 2 or value[0] != '"' or value[-1] != '"':
        return _NO
    inner = value[1:-1]
    if '"' in inner or "\\" in inner:  # controls were refused with the whole text
        return _NO
    return inner


def _single_quoted(value: str) -> Any:
    """A single-quoted scalar ('' is a quote) with nothing after its closing quote."""
    if len(value) < 2 or value[0] != "'" or value[-1] != "'":
        return _NO
    inner = value[1:-1]
    if "'" in inner.replace("''", ""):
        return _NO
    return inner.replace("''", "'")


def _scalar(value: str, *, in_flow: bool = False) -> Any:
    if value.startswith('"'):
        return _quoted(value)
    if value.startswith("'"):
        return _NO if in_flow else _single_quoted(value)
    return _plain(value, in_flow=in_flow)


def _simple(text: str) -> dict[str, Any] | None:
    """The front matter real posts are made of, read without PyYAML, or None to leave it to PyYAML.

    Accepted: ``key: scalar``, ``key: [a, b]``, ``key:`` followed by ``  - item`` lines, and
    blank lines; scalars plain (text, true/false, null, small integers) or double-quoted
    without escapes. Anything else, including a repeated key, goes to PyYAML, which also
    judges this reader in the tests.
    """
    if _ODD_CHARACTER.search(text):  # tabs, controls, YAML's other line breaks, a BOM: PyYAML's
        return None
    out: dict[str, Any] = {}
    current_key: str | None = None  # the 'key:' whose '  - item' lines may follow
    for line in text.split("\n"):
        if not line.strip(" "):
            continue
        if line[0] == " ":
            stripped = line.lstrip(" ")
            if current_key is None or not stripped.startswith("- "):
                return None
            item = _scalar(stripped[2:].rstrip(" "))
            if item is _NO:
                return None
            if out[current_key] is None:
                out[current_key] = []
            out[current_key].append(item)
            continue
        key, colon, rest = line.partition(":")
        if not colon or not key or not _KEY_CHARS.issuperset(key) or key in out:
            return None
        if _implicit_tag(key) != _STR_TAG:  # '0:', 'true:', 'null:' keys are not text
            return None
        if rest and rest[0] != " ":
            return None
        rest = rest.strip(" ")
        if not rest:
            out[key] = None  # 'key:' alone is null, unless items follow
            current_key = key
            continue
        current_key = None
        if rest[0] == "[":
            if not rest.endswith("]"):
                return None
            inner = rest[1:-1].strip(" ")
            items: list[Any] = []
            if inner:
                for piece in inner.split(","):
                    item = _scalar(piece.strip(" "), in_flow=True)
                    if item is _NO:
                        return None
                    items.append(item)
            out[key] = items
            continue
        value = _scalar(rest)
        if value is _NO:
            return None
        out[key] = value
    return out


def _load_any(text: str) -> Any:
    """libyaml where it can be used; PyYAML's own parser for anchors and for every error,
    so that results and messages never depend on whether libyaml is installed."""
    if "&" not in text:
        try:
            return _HANDLER.load(text, Loader=_FastLoader)
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


def load(text: str) -> dict[str, JsonValue]:
    """Read the YAML between the fences. Raises FrontMatterError naming what is wrong."""
    simple = _simple(text)
    if simple is not None:
        return simple  # plain JSON values already
    try:
        data = _load_any(text)
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
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise FrontMatterError(
            f"front matter is a {type(data).__name__}: expected a mapping of keys to values"
        )
    result = _to_json(data)
    assert isinstance(result, dict)
    return result


class _Dumper(yaml.SafeDumper):
    """SafeDumper that writes timestamp-like text plain (we read it back as text too)
    and can indent block sequences under their key, as Jekyll posts often do."""

    indent_sequences = False

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, indentless and not self.indent_sequences)


class _IndentedDumper(_Dumper):
    indent_sequences = True


for _dumper in (_Dumper, _IndentedDumper):
    _dumper.yaml_implicit_resolvers = {
        first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
        for first, resolvers in yaml.SafeDumper.yaml_implicit_resolvers.items()
    }


def _risky(value: str) -> bool:
    """Text a plain or single-quoted scalar would not keep: line breaks of any kind, controls,
    and blanks at either end (YAML folds or trims them)."""
    return value != value.strip() or any(
        ch in "\x85\u2028\u2029" or (ord(ch) < 0x20 and ch != "\t") or ch == "\x7f" for ch in value
    )


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    """Double quotes (with escapes) for :func:`_risky` text, else PyYAML's choice."""
    style = '"' if _risky(value) else None
    return dumper.represent_scalar(_STR_TAG, value, style=style)


for _dumper in (_Dumper, _IndentedDumper):
    _dumper.add_representer(str, _represent_str)


def _scalar_style(dumper: _Dumper, value: str, old: str | None, *, in_flow: bool) -> str | None:
    """The style of *old* (a ScalarNode's style: None plain, ``'``, ``"``, ``|``, ``>``) where
    it holds *value*, else double quotes, the style that holds any text."""
    analysis = dumper.analyze_scalar(value)
    if old in ("|", ">"):
        return old if analysis.allow_block and not in_flow else '"'
    if _risky(value) or old == '"':
        return '"'
    if old == "'":
        return "'" if analysis.allow_single_quoted else '"'
    plain = analysis.allow_flow_plain if in_flow else analysis.allow_block_plain
    implicit = dumper.resolve(yaml.ScalarNode, value, (True, False)) == _STR_TAG  # type: ignore[no-untyped-call]
    return None if plain and implicit and not analysis.empty else '"'


def _usual_style(nodes: list[Any]) -> tuple[bool, str | None]:
    """(found, style): the style most of the text scalars among *nodes* have (the later on a tie)."""
    counts: dict[str | None, int] = {}
    for node in nodes:
        if isinstance(node, yaml.ScalarNode) and node.tag == _STR_TAG:
            counts[node.style] = counts.get(node.style, 0) + 1
    if not counts:
        return False, None
    most = max(counts.values())
    last = [n.style for n in nodes if isinstance(n, yaml.ScalarNode) and counts.get(n.style) == most]
    return True, last[-1]


def _restyle(dumper: _Dumper, new: Any, old: Any, *, in_flow: bool = False) -> None:
    """Give the node tree *new* the styles of the composed source node *old*, where both
    are of a kind: a scalar its quoting, a collection its flow or block style, a list's
    items the quoting of the same item (else of most items), a mapping's values theirs."""
    if isinstance(new, yaml.ScalarNode):
        if isinstance(old, yaml.ScalarNode) and new.tag == _STR_TAG:
            new.style = _scalar_style(dumper, new.value, old.style, in_flow=in_flow)
        return
    if type(new) is not type(old):
        return
    new.flow_style = old.flow_style
    inner = in_flow or bool(old.flow_style)
    if isinstance(new, yaml.SequenceNode):
        by_text = {n.value: n for n in old.value if isinstance(n, yaml.ScalarNode) and n.tag == _STR_TAG}
        found, usual = _usual_style(old.value)
        for item in new.value:
            if isinstance(item, yaml.ScalarNode) and item.value in by_text:
                _restyle(dumper, item, by_text[item.value], in_flow=inner)
            elif isinstance(item, yaml.ScalarNode) and item.tag == _STR_TAG and found:
                item.style = _scalar_style(dumper, item.value, usual, in_flow=inner)
            elif len(old.value) > 0:
                _restyle(dumper, item, old.value[-1], in_flow=inner)
        return
    olds = {k.value: (k, v) for k, v in old.value if isinstance(k, yaml.ScalarNode)}
    for key_node, value_node in new.value:
        if isinstance(key_node, yaml.ScalarNode) and key_node.value in olds:
            old_key, old_value = olds[key_node.value]
            _restyle(dumper, key_node, old_key, in_flow=inner)
            _restyle(dumper, value_node, old_value, in_flow=inner)


def _same(a: Any, b: Any) -> bool:
    """Equal JSON values, of the same types (``True`` is not ``1``)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


def _reads_as(lines: list[str], key: str, value: JsonValue, then: list[str] | None) -> bool:
    """Do *lines*, followed by *then* where given, read back as *key* with *value*?"""
    text = "\n".join(lines if then is None else [*lines, *then])
    try:
        data = load(text)
    except FrontMatterError:
        return False
    return key in data and _same(data[key], value)


def _compose(like: list[str]) -> tuple[Any, Any] | None:
    """The key and value nodes of the one key in *like*, or None where it is not that; composed
    by libyaml where PyYAML has it, with the styles PyYAML's own parser gives."""
    try:
        root = yaml.compose("\n".join(like), Loader=_CSafeLoader)
    except (yaml.YAMLError, RecursionError, *_UNCONVERTIBLE):
        return None
    if not isinstance(root, yaml.MappingNode) or len(root.value) != 1:
        return None
    seen: set[int] = set()
    todo: list[Any] = [root]
    while todo:  # libyaml's plain style is '' and its block style False: PyYAML's None and False
        node = todo.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, yaml.ScalarNode):
            node.style = node.style or None
        else:
            node.flow_style = bool(node.flow_style)
            todo.extend(_children(node))
    key_node, value_node = root.value[0]
    return key_node, value_node


def _leading(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _fold(line: str, width: int, indent: str) -> list[str]:
    """One ``key: value`` line of a plain or quoted scalar, folded at single blanks into lines
    of at most *width* characters (a word longer stays whole), the rest indented by *indent*.
    YAML reads each such line break back as the blank it replaced."""
    value_node = _compose([line])
    if value_node is None:
        return [line]
    node = value_node[1]
    start = node.start_mark.column
    end = len(line) - (1 if node.style else 0)
    cuts = [
        i
        for i in range(start + 2, end - 1)
        if line[i] == " "
        and line[i - 1] != " "
        and line[i + 1] != " "
        and not (node.style is None and line[i + 1] == "#")
    ]
    out: list[str] = []
    current, at = "", 0
    for cut in [*cuts, len(line)]:
        piece = line[at:cut]
        if not current:
            current = piece
        elif len(current) + 1 + len(piece) <= width:
            current += " " + piece
        else:
            out.append(current)
            current = indent + piece
        at = cut + 1
    out.append(current)
    return out


def _write(
    key: str,
    value: JsonValue,
    dumper_class: type[_Dumper],
    *,
    flow: bool,
    indent: int = 2,
    width: int = 1_000_000,
    like: tuple[Any, Any] | None = None,
) -> list[str]:
    """*key* and *value* as YAML lines; collections of scalars in flow style where *flow*,
    styled after the composed source entry *like* where given."""
    stream = _StringIO()
    dumper = dumper_class(
        stream,
        default_flow_style=None if flow else False,  # None: lists of scalars inline, 'tags: [a, b]'
        indent=indent if 1 < indent < 10 else 2,
        width=width,
        allow_unicode=True,
        sort_keys=False,
    )
    try:
        dumper.open()
        root = dumper.represent_data({key: value})
        assert isinstance(root, yaml.MappingNode)
        root.flow_style = False  # 'key: value', never '{key: value}'
        if like is not None:
            new_key, new_value = root.value[0]
            _restyle(dumper, new_key, like[0])
            _restyle(dumper, new_value, like[1])
        dumper.serialize(root)
        dumper.close()
    finally:
        dumper.dispose()
    return stream.getvalue().removesuffix("\n").split("\n")


def _styled(key: str, value: JsonValue, like: tuple[Any, Any], like_lines: list[str]) -> list[list[str]]:
    """*key* and *value* as YAML lines in the style of the composed source entry *like*
    (folded where it is, and then also unfolded), best first."""
    old = like[1]
    dumper_class: type[_Dumper] = _Dumper
    indent = 2
    if isinstance(old, yaml.CollectionNode) and not old.flow_style:
        column = old.start_mark.column
        if column > 0:
            indent = column
            dumper_class = _IndentedDumper if isinstance(old, yaml.SequenceNode) else _Dumper
    elif isinstance(old, yaml.ScalarNode) and old.style in ("|", ">"):
        content = [line for line in like_lines[old.start_mark.line + 1 :] if line.strip()]
        if content:
            indent = _leading(content[0])
    width = 1_000_000
    if isinstance(old, yaml.ScalarNode) and old.style == ">":
        content = [line.rstrip() for line in like_lines[old.start_mark.line + 1 : old.end_mark.line + 1]]
        if sum(bool(line) for line in content) > 1:
            width = max(len(line) for line in content)  # PyYAML folds past it
    flow = isinstance(old, yaml.CollectionNode) and bool(old.flow_style)
    lines = _write(key, value, dumper_class, flow=flow, indent=indent, width=width, like=like)
    wrapped = (
        isinstance(old, yaml.ScalarNode)
        and old.style in (None, "'", '"')
        and old.end_mark.line > old.start_mark.line
        and isinstance(value, str)
        and len(lines) == 1
    )
    if not wrapped:
        return [lines]
    source = like_lines[old.start_mark.line : old.end_mark.line + 1]
    folded = _fold(lines[0], max(len(line.rstrip()) for line in source), " " * _leading(source[1]))
    return [folded, lines]


def _dump_as_before(key: str, value: JsonValue, like: list[str] | None) -> list[str]:
    """PyYAML's own choice of styles: flow where *like* opens a flow collection, ``  - ``
    items where it has them."""
    flow = False
    dumper: type[_Dumper] = _Dumper
    if like:
        after_colon = like[0].partition(":")[2].strip()
        flow = after_colon.startswith(("[", "{"))
        if any(line.startswith((" -", "  -")) for line in like[1:]):
            dumper = _IndentedDumper
    return _write(key, value, dumper, flow=flow)


def dump_key(
    key: str, value: JsonValue, like: list[str] | None = None, then: list[str] | None = None
) -> list[str]:
    """Fresh YAML lines for one key, in the style of the lines *like* where given.

    Following *like* (the key's source lines): a text scalar keeps its style (plain,
    single- or double-quoted, literal ``|``, folded ``>``) where that style holds the new
    text, else it is double-quoted; a value folded over several lines is folded again at
    the same width and continuation indent (one line stays one line, whatever its length);
    a collection keeps flow or block style and its indentation, a list's items and a
    mapping's values their quoting. What is written is read back, followed by the lines
    *then* where given (what will follow it in the block; else nothing): lines that would
    not read as *value* give way to PyYAML's own choice of styles.

    Written with PyYAML directly: python-frontmatter's export strips the text,
    which would take a trailing blank off the last value.
    """
    source = _compose(like) if like else None
    if like and source is not None:
        try:
            candidates = _styled(key, value, source, like)
        except (yaml.YAMLError, RecursionError):
            candidates = []
        for lines in candidates:
            if _reads_as(lines, key, value, then):
                return lines
    return _dump_as_before(key, value, like)
