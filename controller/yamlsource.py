"""YAML with line numbers: the checker behind the topology and controller config files.

Both file formats are written by hand, so every error names the file, the line and the field
(`small.yaml:42: links[3].capacity: ...`). `SourceParser` composes the YAML node tree (which
knows lines) into `LineMap`/`LineList` (dicts and lists that remember them) and offers the
typed field checks both formats share; each format subclasses it and sets `error` to its own
`SourceError` subclass.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, ClassVar

import yaml

__all__ = ["LineList", "LineMap", "SourceError", "SourceParser"]


class SourceError(ValueError):
    """An input file is invalid; the message reads `file:line: field: message`."""

    def __init__(self, file: str, line: int, field_path: str, message: str) -> None:
        self.file = file
        self.line = line
        self.field = field_path
        self.detail = message
        super().__init__(f"{file}:{line}: {field_path}: {message}")


class LineMap(dict[str, Any]):
    """A YAML mapping with the line of the mapping and of each key."""

    line: int
    key_lines: dict[str, int]

    @classmethod
    def empty(cls, line: int) -> LineMap:
        """An absent section, reported at `line` (the line of what would contain it)."""
        result = cls()
        result.line, result.key_lines = line, {}
        return result


class LineList(list[Any]):
    """A YAML sequence with the line of the sequence and of each item."""

    line: int
    item_lines: list[int]


def _line(node: yaml.Node) -> int:
    return node.start_mark.line + 1


class SourceParser:
    """Parses YAML text with lines and checks fields; errors are `error` instances."""

    error: ClassVar[type[SourceError]] = SourceError

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, line: int, field_path: str, message: str) -> SourceError:
        return self.error(self.source, line, field_path, message)

    # -- YAML layer -----------------------------------------------------------------------

    def load(self, text: str) -> LineMap:
        """The document's top-level mapping."""
        loader = yaml.SafeLoader(text)
        try:
            node = loader.get_single_node()
            if node is None:
                raise self.fail(1, "<document>", "the file is empty")
            document = self._convert(loader, node, "<document>")
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            line = mark.line + 1 if mark else 0
            raise self.fail(line, "<yaml>", f"{exc.problem or exc}") from exc
        except yaml.YAMLError as exc:
            raise self.fail(0, "<yaml>", str(exc)) from exc
        finally:
            loader.dispose()
        if not isinstance(document, LineMap):
            raise self.fail(_line(node), "<document>", "the top level must be a mapping")
        return document

    def _convert(self, loader: yaml.SafeLoader, node: yaml.Node, path: str) -> Any:
        if isinstance(node, yaml.MappingNode):
            result = LineMap.empty(_line(node))
            loader.flatten_mapping(node)
            for key_node, value_node in node.value:
                key = loader.construct_object(key_node)
                if not isinstance(key, str):
                    raise self.fail(_line(key_node), path, f"keys must be strings, got {key!r}")
                if key in result:
                    raise self.fail(_line(key_node), f"{path}.{key}", "duplicate key")
                result[key] = self._convert(loader, value_node, f"{path}.{key}")
                result.key_lines[key] = _line(key_node)
            return result
        if isinstance(node, yaml.SequenceNode):
            items = LineList()
            items.line, items.item_lines = _line(node), []
            for index, item in enumerate(node.value):
                items.append(self._convert(loader, item, f"{path}[{index}]"))
                items.item_lines.append(_line(item))
            return items
        return loader.construct_object(node)

    # -- field checks ---------------------------------------------------------------------

    def fields(
        self, entry: Any, line: int, path: str, required: set[str], optional: set[str]
    ) -> LineMap:
        """`entry` as a mapping with exactly the allowed keys and all required ones."""
        if not isinstance(entry, LineMap):
            raise self.fail(line, path, f"expected a mapping, got {type(entry).__name__}")
        for key in entry:
            if key not in required | optional:
                allowed = ", ".join(sorted(required | optional))
                raise self.fail(
                    entry.key_lines[key], f"{path}.{key}", f"unknown field (allowed: {allowed})"
                )
        for key in sorted(required - entry.keys()):
            raise self.fail(entry.line, f"{path}.{key}", "missing required field")
        return entry

    def value(self, entry: LineMap, key: str, path: str, kind: type, default: Any = None) -> Any:
        """`entry[key]` checked to be a `kind` (a bool is not an int), or `default`."""
        if key not in entry:
            return default
        value = entry[key]
        ok = isinstance(value, kind) and not (kind is int and isinstance(value, bool))
        if not ok:
            raise self.fail(
                entry.key_lines[key], f"{path}.{key}", f"expected {kind.__name__}, got {value!r}"
            )
        return value

    def mapping(
        self, entry: LineMap, key: str, path: str, required: set[str], optional: set[str]
    ) -> LineMap:
        """The sub-mapping `entry[key]` checked like `fields` (absent: empty)."""
        value = entry.get(key, LineMap.empty(entry.line))
        if not isinstance(value, LineMap):
            raise self.fail(entry.key_lines[key], path, "expected a mapping")
        return self.fields(value, value.line, path, required, optional)

    def names(self, entry: LineMap, key: str, path: str) -> LineMap:
        """The mapping `entry[key]` whose keys are names the caller checks (absent: empty)."""
        value = entry.get(key, LineMap.empty(entry.line))
        if not isinstance(value, LineMap):
            raise self.fail(entry.key_lines[key], path, "expected a mapping of names")
        return value

    def integer(
        self, entry: LineMap, key: str, path: str, low: int, high: int, default: int
    ) -> int:
        """An int field within [low, high], or `default` when absent."""
        value: int = self.value(entry, key, path, int, default)
        if key in entry and not low <= value <= high:
            raise self.fail(
                entry.key_lines[key], f"{path}.{key}", f"must be in {low}..{high}, got {value}"
            )
        return value

    def section(self, document: LineMap, key: str) -> Iterator[tuple[int, Any, int, str]]:
        """(index, item, line, field path) of the list `document[key]` (absent: empty)."""
        items = document.get(key, LineList())
        if not isinstance(items, LineList):
            raise self.fail(document.key_lines[key], key, "expected a list")
        for index, entry in enumerate(items):
            yield index, entry, items.item_lines[index], f"{key}[{index}]"

    def measure(self, entry: LineMap, key: str, path: str, parse: Callable[[str], float]) -> float:
        """A unit-carrying string field ("10Gbps", "1.5ms") parsed to a float."""
        text = self.value(entry, key, path, str)  # its own error, outside the wrapper below
        try:
            return parse(text)
        except ValueError as exc:
            raise self.fail(entry.key_lines[key], f"{path}.{key}", str(exc)) from exc
