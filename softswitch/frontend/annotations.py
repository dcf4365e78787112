"""Arguments of the standard annotations, checked as p4c's ParseAnnotations does before type
checking: ``@name`` takes one string literal, flags such as ``@hidden`` take none; and one
structured annotation of a name per element.

Other annotations (target-specific or unknown) are kept verbatim and never rejected.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

from softswitch.frontend import ast
from softswitch.frontend.diagnostics import CompileError

_SINGLE_STRING = frozenset({"name", "deprecated", "noWarn"})
_NO_ARGUMENTS = frozenset(
    {"hidden", "atomic", "optional", "tableonly", "defaultonly", "pure", "noSideEffects"}
)


def check_annotations(program: ast.Program) -> None:
    for node in _nodes(program):
        if isinstance(node, ast.Annotated):
            structured: set[str] = set()
            for anno in node.annotations:
                _check(anno)
                if anno.structured and anno.name in structured:
                    # The spec allows one structured annotation of a name per element.
                    raise CompileError.at(anno.src, f"duplicate structured annotation @{anno.name}")
                if anno.structured:
                    structured.add(anno.name)


def _check(anno: ast.Annotation) -> None:
    if anno.structured:
        return
    if anno.name in _NO_ARGUMENTS and anno.body.strip():
        raise CompileError.at(anno.src, f"@{anno.name} should not have any arguments")
    if anno.name in _SINGLE_STRING and not (
        len(anno.exprs) == 1 and isinstance(anno.exprs[0], ast.StringLiteral)
    ):
        raise CompileError.at(anno.src, f"@{anno.name} needs exactly one string literal")


def _nodes(root: ast.Node) -> Iterator[ast.Node]:
    """Every node under ``root`` in source order (declarations before their bodies)."""
    stack: list[object] = [root]
    seen: set[int] = set()
    while stack:
        item = stack.pop()
        if isinstance(item, list | tuple):
            stack.extend(reversed(item))
            continue
        if not isinstance(item, ast.Node) or id(item) in seen:
            continue
        seen.add(id(item))
        yield item
        children = [getattr(item, f.name) for f in dataclasses.fields(item) if f.name != "src"]
        stack.extend(reversed(children))
