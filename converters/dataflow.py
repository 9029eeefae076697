"""What each cell reads and writes, found with libcst's scope analysis (never regexes on code)."""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst
from libcst.metadata import (
    BuiltinAssignment,
    GlobalScope,
    MetadataWrapper,
    PositionProvider,
    ScopeProvider,
)

# Methods that change their receiver in place (lists, dicts, sets, ndarrays, DataFrames).
MUTATING_METHODS = frozenset(
    {
        "append",
        "extend",
        "insert",
        "pop",
        "remove",
        "clear",
        "sort",
        "reverse",
        "update",
        "setdefault",
        "popitem",
        "add",
        "discard",
        "fill",
        "resize",
        "shuffle",
    }
)
DYNAMIC_NAMESPACE_CALLS = frozenset({"exec", "eval", "globals", "locals", "vars"})


@dataclass(frozen=True)
class NameUse:
    """A name and the (1-based) line of its first use in the cell."""

    name: str
    line: int


@dataclass(frozen=True)
class Mutation:
    """An in-place change of an object held in `name` (`df.drop(..., inplace=True)`, `xs.append(...)`)."""

    name: str
    line: int
    how: str


@dataclass(frozen=True)
class CellFlow:
    """A cell's dataflow: free reads (before any binding here), bindings, import bindings, mutations."""

    reads: tuple[NameUse, ...]
    builtin_reads: tuple[NameUse, ...]
    writes: tuple[str, ...]
    import_writes: tuple[str, ...]
    mutations: tuple[Mutation, ...]
    aliases: tuple[tuple[str, str, int], ...]
    dynamic: tuple[NameUse, ...]


def _base_name(node: cst.CSTNode) -> str | None:
    while isinstance(node, (cst.Attribute, cst.Subscript)):
        node = node.value
    return node.value if isinstance(node, cst.Name) else None


class _MutationVisitor(cst.CSTVisitor):
    """Collects in-place changes and name-to-name aliases."""

    METADATA_DEPENDENCIES = (PositionProvider,)

    def __init__(self) -> None:
        self.mutations: list[Mutation] = []
        self.aliases: list[tuple[str, str, int]] = []

    def _line(self, node: cst.CSTNode) -> int:
        return self.get_metadata(PositionProvider, node).start.line

    def visit_Call(self, node: cst.Call) -> None:
        if isinstance(node.func, cst.Attribute):
            receiver = _base_name(node.func.value)
            method = node.func.attr.value
            in_place = any(
                arg.keyword is not None
                and arg.keyword.value == "inplace"
                and isinstance(arg.value, cst.Name)
                and arg.value.value == "True"
                for arg in node.args
            )
            if method == "shuffle" and node.args:
                target = _base_name(node.args[0].value)
                if target:
                    self.mutations.append(Mutation(target, self._line(node), f"shuffle({target})"))
            elif receiver and (in_place or method in MUTATING_METHODS):
                how = f"{receiver}.{method}(..., inplace=True)" if in_place else f"{receiver}.{method}(...)"
                self.mutations.append(Mutation(receiver, self._line(node), how))

    def _target_mutation(self, target: cst.BaseExpression, node: cst.CSTNode, operator: str) -> None:
        if isinstance(target, (cst.Subscript, cst.Attribute)):
            name = _base_name(target)
            if name:
                shape = "[...]" if isinstance(target, cst.Subscript) else ".attribute"
                self.mutations.append(Mutation(name, self._line(node), f"{name}{shape} {operator} ..."))

    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            self._target_mutation(target.target, node, "=")
        if (
            len(node.targets) == 1
            and isinstance(node.targets[0].target, cst.Name)
            and isinstance(node.value, cst.Name)
        ):
            self.aliases.append((node.targets[0].target.value, node.value.value, self._line(node)))

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        operator = node.operator.__class__.__name__
        symbol = {"AddAssign": "+=", "SubtractAssign": "-=", "MultiplyAssign": "*="}.get(operator, "op=")
        if isinstance(node.target, cst.Name):
            name = node.target.value
            self.mutations.append(Mutation(name, self._line(node), f"{name} {symbol} ..."))
        else:
            self._target_mutation(node.target, node, symbol)

    def visit_Del(self, node: cst.Del) -> None:
        self._target_mutation(node.target, node, "del")


def parse_module(source: str) -> cst.Module:
    """libcst module of a cell (the caller has already checked the syntax with `ast`)."""
    return cst.parse_module(source)


def analyse_cell(source: str) -> CellFlow:
    """Free reads, bindings, import bindings, in-place mutations and aliases of one cell's code."""
    wrapper = MetadataWrapper(parse_module(source))
    scopes = wrapper.resolve(ScopeProvider)
    positions = wrapper.resolve(PositionProvider)
    global_scope = next((scope for scope in scopes.values() if isinstance(scope, GlobalScope)), None)
    reads: dict[str, int] = {}
    builtin_reads: dict[str, int] = {}
    dynamic: dict[str, int] = {}
    if global_scope is not None:
        global_names = {assignment.name for assignment in global_scope.assignments}
        for scope in sorted({id(s): s for s in scopes.values() if s is not None}.values(), key=id):
            for access in scope.accesses:
                name = _base_name(access.node) if isinstance(access.node, cst.CSTNode) else None
                if name is None:
                    continue
                line = positions[access.node].start.line
                referents = list(access.referents)
                bound_locally = any(
                    not isinstance(referent, BuiltinAssignment) and referent.scope is not global_scope
                    for referent in referents
                )
                if bound_locally:
                    continue
                bound_globally = any(
                    not isinstance(referent, BuiltinAssignment) and referent.scope is global_scope
                    for referent in referents
                )
                if bound_globally:
                    continue
                nested = scope is not global_scope and not _is_comprehension_chain(scope, global_scope)
                if nested and name in global_names:
                    continue  # a function body reads the global this cell binds (at call time)
                if name in DYNAMIC_NAMESPACE_CALLS:
                    dynamic[name] = min(line, dynamic.get(name, line))
                if referents and all(isinstance(referent, BuiltinAssignment) for referent in referents):
                    builtin_reads[name] = min(line, builtin_reads.get(name, line))
                else:
                    reads[name] = min(line, reads.get(name, line))
    module = wrapper.module
    writes: dict[str, int] = {}
    import_writes: list[str] = []
    if global_scope is not None:
        for assignment in global_scope.assignments:
            if isinstance(assignment, BuiltinAssignment):
                continue
            node = getattr(assignment, "node", None)
            line = positions[node].start.line if node is not None and node in positions else 0
            name = assignment.name.split(".")[0]
            writes[name] = min(line, writes.get(name, line)) if name in writes else line
    for statement in module.body:
        if isinstance(statement, cst.SimpleStatementLine) and all(
            isinstance(small, (cst.Import, cst.ImportFrom)) for small in statement.body
        ):
            for small in statement.body:
                import_writes.extend(_import_names(small))
    visitor = _MutationVisitor()
    wrapper.visit(visitor)
    return CellFlow(
        reads=tuple(
            NameUse(name, line) for name, line in sorted(reads.items(), key=lambda item: (item[1], item[0]))
        ),
        builtin_reads=tuple(NameUse(name, line) for name, line in sorted(builtin_reads.items())),
        writes=tuple(name for name, _ in sorted(writes.items(), key=lambda item: (item[1], item[0]))),
        import_writes=tuple(dict.fromkeys(import_writes)),
        mutations=tuple(visitor.mutations),
        aliases=tuple(visitor.aliases),
        dynamic=tuple(NameUse(name, line) for name, line in sorted(dynamic.items())),
    )


def _is_comprehension_chain(scope: object, global_scope: GlobalScope) -> bool:
    """True when `scope` is a comprehension evaluated right away at module level."""
    from libcst.metadata import ComprehensionScope

    current = scope
    while isinstance(current, ComprehensionScope):
        current = current.parent
    return current is global_scope


def _import_names(node: cst.Import | cst.ImportFrom) -> list[str]:
    names: list[str] = []
    if isinstance(node.names, cst.ImportStar):
        return names
    for alias in node.names:
        if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
            names.append(alias.asname.name.value)
        else:
            dotted = cst.Module(body=[]).code_for_node(alias.name)
            names.append(dotted.split(".")[0])
    return names


def split_imports(source: str) -> tuple[str, str]:
    """(top-level import statements, the rest) of a cell — imports are hoisted to the runtime module."""
    module = parse_module(source)
    imports: list[cst.BaseStatement] = []
    rest: list[cst.BaseStatement] = []
    for statement in module.body:
        is_import = isinstance(statement, cst.SimpleStatementLine) and all(
            isinstance(small, (cst.Import, cst.ImportFrom)) for small in statement.body
        )
        is_star = is_import and any(
            isinstance(small, cst.ImportFrom) and isinstance(small.names, cst.ImportStar)
            for small in statement.body  # type: ignore[union-attr]
        )
        (imports if is_import and not is_star else rest).append(statement)
    imports_code = module.with_changes(body=imports, header=[], footer=[]).code if imports else ""
    rest_code = module.with_changes(body=rest).code if rest else ""
    return imports_code, rest_code
