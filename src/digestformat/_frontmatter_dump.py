"""Front matter writing: PyYAML's dumpers, and an edited key kept in the style of its old lines.

Imported by ``_frontmatter.dump_key`` on the first key written (it reads what it writes
back with ``_frontmatter.load``, and composes the old lines with ``_frontmatter_yaml``'s
loader).
"""

from __future__ import annotations

from io import StringIO as _StringIO
from typing import TYPE_CHECKING, Any

import yaml

from ._frontmatter import FrontMatterError, load
from ._frontmatter_yaml import _UNCONVERTIBLE, _children, _CSafeLoader

if TYPE_CHECKING:
    from pydantic import JsonValue

__all__ = ["dump_key"]

_STR_TAG = "tag:yaml.org,2002:str"


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
