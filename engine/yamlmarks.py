"""YAML loading that remembers where every value came from.

A schema error must say ``scenarios/2.000635.yaml: line 12-15`` and show the snippet, as
Tavern does. PyYAML's nodes carry start and end marks; we keep them beside the plain data
(a tree of dicts and lists) in a side table keyed by the path of each value.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

Path_ = tuple[Any, ...]


@dataclass(frozen=True)
class Span:
    first_line: int  # 1-based
    last_line: int

    def __str__(self) -> str:
        return f"line {self.first_line}" if self.first_line == self.last_line else \
            f"line {self.first_line}-{self.last_line}"


class YamlSyntaxError(Exception):
    def __init__(self, source: str, line: int | None, problem: str):
        self.source, self.line, self.problem = source, line, problem
        where = f"{source}: line {line}" if line else source
        super().__init__(f"{where}: {problem}")


@dataclass
class MarkedDocument:
    """Plain data plus the span of every value, and of every mapping key."""

    source: str
    text: str
    data: Any
    spans: dict[Path_, Span]
    key_spans: dict[Path_, Span]

    def span(self, path: Path_, key: bool = False) -> Span | None:
        """The span of the value at ``path`` (or of its key), else of the nearest parent."""
        table = self.key_spans if key else self.spans
        if path in table:
            return table[path]
        path = tuple(path)
        while path:
            path = path[:-1]
            if path in self.spans:
                return self.spans[path]
        return None

    def snippet(self, span: Span | None, context: int = 0, limit: int = 8) -> str:
        if span is None:
            return ""
        lines = self.text.splitlines()
        first = max(span.first_line - context, 1)
        last = min(span.last_line + context, len(lines), first + limit - 1)
        width = len(str(last))
        return "\n".join(f"  {n:>{width}} | {lines[n - 1]}" for n in range(first, last + 1))


def _span(node: yaml.Node) -> Span:
    first = node.start_mark.line + 1
    end = node.end_mark
    # A block collection ends at column 0 of the line after its last value.
    last = end.line if end.column == 0 and end.line > node.start_mark.line else end.line + 1
    return Span(first, max(first, last))


def load_marked(path: Path | str, display: str | None = None) -> MarkedDocument:
    """Load one YAML document; raise YamlSyntaxError with a line number on any problem."""
    path = Path(path)
    source = display or str(path)
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise YamlSyntaxError(source, line, "tệp không phải UTF-8 (byte không hợp lệ); hãy lưu lại với mã hóa UTF-8") from None
    return load_marked_text(text, source)


def load_marked_text(text: str, source: str) -> MarkedDocument:
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        problem = " ".join(p for p in (error.context, error.problem) if p)
        raise YamlSyntaxError(source, mark.line + 1 if mark else None, f"lỗi cú pháp YAML: {problem}") from None
    except yaml.YAMLError as error:
        raise YamlSyntaxError(source, None, f"lỗi cú pháp YAML: {error}") from None
    spans: dict[Path_, Span] = {}
    key_spans: dict[Path_, Span] = {}
    if node is None:
        return MarkedDocument(source, text, None, spans, key_spans)
    constructor = yaml.SafeLoader("")

    def build(current: yaml.Node, path: Path_) -> Any:
        spans[path] = _span(current)
        if isinstance(current, yaml.MappingNode):
            result: dict[Any, Any] = {}
            for key_node, value_node in current.value:
                key = constructor.construct_object(key_node, deep=True)
                if key in result:
                    raise YamlSyntaxError(source, key_node.start_mark.line + 1,
                                          f"khóa {key!r} bị lặp lại trong cùng một khối")
                key_spans[path + (key,)] = _span(key_node)
                result[key] = build(value_node, path + (key,))
            return result
        if isinstance(current, yaml.SequenceNode):
            return [build(item, path + (index,)) for index, item in enumerate(current.value)]
        try:
            return constructor.construct_object(current, deep=True)
        except yaml.YAMLError as error:
            raise YamlSyntaxError(source, current.start_mark.line + 1, f"giá trị không đọc được: {error}") from None

    return MarkedDocument(source, text, build(node, ()), spans, key_spans)
