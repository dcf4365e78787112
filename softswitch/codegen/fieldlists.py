"""Generated copiers for preserved field lists (clone/resubmit/recirculate).

A copier is ``(src_meta, src_sm, dst_meta, dst_sm) -> None``: it carries the listed fields
of the finishing packet over to the new instance, as BMv2's ``copy_field_list`` does.
Field lists come from ``@field_list(N)`` annotations on user metadata (the
``*_preserving_field_list`` externs) or from the data argument of the older
``clone3``/``resubmit``/``recirculate`` forms.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from softswitch.codegen.expr import where
from softswitch.codegen.values import CodegenError, field_attr, is_aggregate, strip
from softswitch.frontend import ast
from softswitch.frontend import types as T

if TYPE_CHECKING:
    from softswitch.codegen.calls import CallCompiler
    from softswitch.codegen.program import ProgramCompiler


def _annotation_ids(annotations: tuple[ast.Annotation, ...]) -> set[int]:
    ids: set[int] = set()
    for anno in annotations:
        if anno.name != "field_list":
            continue
        for e in anno.exprs:
            value = e.const_value if e.const_value is not None else getattr(e, "value", None)
            if isinstance(value, int):
                ids.add(value)
        if not anno.exprs:
            ids.update(int(tok) for tok in anno.body.replace(",", " ").split() if tok.isdigit())
    return ids


class FieldLists:
    def __init__(self, prog: ProgramCompiler) -> None:
        self.prog = prog
        self._by_index: dict[int, str] = {}

    def _copier(self, hint: str, assignments: list[str]) -> str:
        name = self.prog.module.fresh(hint)
        body = [f"    {line}" for line in assignments] or ["    pass"]
        self.prog.module.add("\n".join([f"def {name}(src_m, src_sm, dst_m, dst_sm):", *body]))
        return name

    def copier_for_index(self, index: int) -> str:
        name = self._by_index.get(index)
        if name is None:
            paths = self._annotated(self.prog.meta_type, "", index)
            name = self._copier(
                f"field_list_{index}", [self._copy_line("m", p, a) for p, a in paths]
            )
            self._by_index[index] = name
        return name

    def _annotated(self, t: T.StructLikeType, prefix: str, index: int) -> list[tuple[str, bool]]:
        out: list[tuple[str, bool]] = []
        for f in t.fields:
            path = f"{prefix}.{field_attr(f.name)}"
            if index in _annotation_ids(f.annotations):
                out.append((path, is_aggregate(f.type)))
                continue
            ft = strip(f.type)
            if isinstance(ft, T.StructLikeType) and ft.kind == "struct":
                out += self._annotated(ft, path, index)
        return out

    @staticmethod
    def _copy_line(root: str, path: str, aggregate: bool) -> str:
        suffix = "._copy()" if aggregate else ""
        return f"dst_{root}{path} = src_{root}{path}{suffix}"

    def copier_for_data(self, cc: CallCompiler, data: ast.Expression | None) -> str:
        """Copier for ``clone3(t, s, data)``-style lists of metadata fields."""
        if data is None:
            return "no_copy"
        elems: list[ast.Expression]
        if isinstance(data, ast.ListExpr):
            elems = list(data.elements)
        elif isinstance(data, ast.StructExpr):
            elems = [v for _, v in data.fields]
        else:
            elems = [data]
        lines = []
        for el in elems:
            rooted = self._rooted_path(el)
            if rooted is None:
                continue  # constants and header fields are not preserved by BMv2
            root, path = rooted
            if path == "":
                t = strip(el.type)
                if isinstance(t, T.StructLikeType):
                    lines += [
                        self._copy_line(root, f".{field_attr(f.name)}", is_aggregate(f.type))
                        for f in t.fields
                    ]
                continue
            lines.append(self._copy_line(root, path, el.type is not None and is_aggregate(el.type)))
        return self._copier("preserve", lines)

    def _rooted_path(self, e: ast.Expression) -> tuple[str, str] | None:
        chain: list[str] = []
        while isinstance(e, ast.Member):
            chain.append(field_attr(e.name))
            e = e.expr
        if not isinstance(e, ast.PathExpr) or not isinstance(e.decl, ast.Parameter):
            return None
        t = strip(e.type)
        if t == self.prog.sm_type:
            root = "sm"
        elif t == self.prog.meta_type:
            root = "m"
        else:
            return None
        if (
            chain
            and root == "sm"
            and chain[-1] not in {field_attr(f.name) for f in self.prog.sm_type.fields}
        ):
            raise CodegenError(f"{where(e)}: unknown standard_metadata field")
        return root, "".join("." + part for part in reversed(chain))
