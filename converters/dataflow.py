"""What each cell reads and writes, found with libcst's scope analysis (never regexes on code)."""

from __future__ import annotations

import ast
from dataclasses import dataclass, fields
from functools import cache

import libcst as cst
import libcst.helpers
from libcst.metadata import BuiltinAssignment, GlobalScope, MetadataWrapper, ScopeProvider

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


def _ast_base_name(node: ast.AST) -> str | None:
    while isinstance(node, (ast.Attribute, ast.Subscript)):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


class _MutationVisitor(ast.NodeVisitor):
    """Collects in-place changes and name-to-name aliases (lines from `ast`, which is cheap)."""

    def __init__(self) -> None:
        self.mutations: list[Mutation] = []
        self.aliases: list[tuple[str, str, int]] = []

    def visit_Call(self, node: ast.Call) -> None:
        if isinstance(node.func, ast.Attribute):
            receiver = _ast_base_name(node.func.value)
            method = node.func.attr
            in_place = any(
                keyword.arg == "inplace"
                and isinstance(keyword.value, ast.Constant)
                and keyword.value.value is True
                for keyword in node.keywords
            )
            if method == "shuffle" and node.args:
                target = _ast_base_name(node.args[0])
                if target:
                    self.mutations.append(Mutation(target, node.lineno, f"shuffle({target})"))
            elif receiver and (in_place or method in MUTATING_METHODS):
                how = f"{receiver}.{method}(..., inplace=True)" if in_place else f"{receiver}.{method}(...)"
                self.mutations.append(Mutation(receiver, node.lineno, how))
        self.generic_visit(node)

    def _target_mutation(self, target: ast.expr, line: int, operator: str) -> None:
        if isinstance(target, (ast.Subscript, ast.Attribute)):
            name = _ast_base_name(target)
            if name:
                shape = "[...]" if isinstance(target, ast.Subscript) else ".attribute"
                self.mutations.append(Mutation(name, line, f"{name}{shape} {operator} ..."))

    def visit_Assign(self, node: ast.Assign) -> None:
        for target in node.targets:
            self._target_mutation(target, node.lineno, "=")
        if (
            len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)
            and isinstance(node.value, ast.Name)
        ):
            self.aliases.append((node.targets[0].id, node.value.id, node.lineno))
        self.generic_visit(node)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        symbol = {ast.Add: "+=", ast.Sub: "-=", ast.Mult: "*="}.get(type(node.op), "op=")
        if isinstance(node.target, ast.Name):
            self.mutations.append(Mutation(node.target.id, node.lineno, f"{node.target.id} {symbol} ..."))
        else:
            self._target_mutation(node.target, node.lineno, symbol)
        self.generic_visit(node)

    def visit_Delete(self, node: ast.Delete) -> None:
        for target in node.targets:
            self._target_mutation(target, node.lineno, "del")
        self.generic_visit(node)


@cache
def parse_module(source: str) -> cst.Module:
    """libcst module of a cell (cached: several passes read the same cell; nodes are immutable)."""
    return cst.parse_module(source)


def _first_lines(tree: ast.AST) -> tuple[dict[str, int], dict[str, int]]:
    """First line each name is read, and first line it is bound, according to `ast`."""
    loads: dict[str, int] = {}
    stores: dict[str, int] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            target = loads if isinstance(node.ctx, ast.Load) else stores
            target[node.id] = min(node.lineno, target.get(node.id, node.lineno))
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                name = (alias.asname or alias.name).split(".")[0]
                stores[name] = min(node.lineno, stores.get(name, node.lineno))
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            stores[node.name] = min(node.lineno, stores.get(node.name, node.lineno))
    return loads, stores


_SKIPPED_FIELDS = frozenset(
    {
        "whitespace",
        "whitespace_before",
        "whitespace_after",
        "leading_lines",
        "lines_after_decorators",
        "trailing_whitespace",
        "lpar",
        "rpar",
        "semicolon",
        "comma",
        "equal",
        "colon",
        "header",
        "footer",
        "newline",
    }
)
_NODE_FIELDS: dict[type, tuple[str, ...]] = {}


def _attribute_nodes(root: cst.CSTNode, cell: int, owners: dict[int, int]) -> None:
    """Map every node under `root` to `cell` (a plain walk over dataclass fields: no node rebuilding)."""
    stack: list[cst.CSTNode] = [root]
    while stack:
        node = stack.pop()
        owners[id(node)] = cell
        kind = type(node)
        names = _NODE_FIELDS.get(kind)
        if names is None:
            names = tuple(field.name for field in fields(kind) if field.name not in _SKIPPED_FIELDS)
            _NODE_FIELDS[kind] = names
        for name in names:
            value = getattr(node, name)
            if isinstance(value, cst.CSTNode):
                stack.append(value)
            elif isinstance(value, (list, tuple)):
                stack.extend(item for item in value if isinstance(item, cst.CSTNode))


def analyse_cell(source: str) -> CellFlow:
    """Free reads, bindings, import bindings, in-place mutations and aliases of one cell's code."""
    return analyse_cells([source])[0]


def analyse_cells(sources: list[str]) -> list[CellFlow]:
    """`analyse_cell` for many cells at once: one libcst scope pass over all of them.

    The cells' statements are composed into one module (one ScopeProvider run instead of one per cell,
    whose fixed cost dominates for small cells); each access and binding is then attributed to its cell,
    and a cell's reads are the names it uses that no binding *in the same cell* provides before the use.
    Line numbers and mutations come from `ast`, which is cheap.
    """
    owners: dict[int, int] = {}
    statements: list[cst.BaseStatement] = []
    for index, source in enumerate(sources):
        for statement in cst.parse_module(source).body:  # fresh nodes: identity maps them to their cell
            _attribute_nodes(statement, index, owners)
            statements.append(statement)
    wrapper = MetadataWrapper(cst.Module(body=statements), unsafe_skip_copy=True)
    scopes = wrapper.resolve(ScopeProvider)

    def cell_of(node: cst.CSTNode) -> int:
        return owners.get(id(node), -1)

    reads: list[set[str]] = [set() for _ in sources]
    builtin_reads: list[set[str]] = [set() for _ in sources]
    writes: list[set[str]] = [set() for _ in sources]
    global_scope = next((scope for scope in scopes.values() if isinstance(scope, GlobalScope)), None)
    if global_scope is not None:
        binding_cells: dict[int, int] = {}
        for assignment in global_scope.assignments:
            if not isinstance(assignment, BuiltinAssignment):
                cell = cell_of(assignment.node)
                binding_cells[id(assignment)] = cell
                writes[cell].add(assignment.name.split(".")[0])
        global_bound_in: dict[str, set[int]] = {}
        for assignment in global_scope.assignments:
            if id(assignment) in binding_cells:
                global_bound_in.setdefault(assignment.name, set()).add(binding_cells[id(assignment)])
        for scope in {id(s): s for s in scopes.values() if s is not None}.values():
            for access in scope.accesses:
                name = _base_name(access.node) if isinstance(access.node, cst.CSTNode) else None
                if name is None:
                    continue
                cell = cell_of(access.node)
                referents = [
                    referent for referent in access.referents if not isinstance(referent, BuiltinAssignment)
                ]
                if any(referent.scope is not global_scope for referent in referents):
                    continue  # bound in an enclosing function or comprehension
                nested = scope is not global_scope and not _is_comprehension_chain(scope, global_scope)
                if nested:
                    if cell in global_bound_in.get(name, set()):
                        continue  # a function body reads a global its own cell binds (at call time)
                elif any(binding_cells.get(id(referent)) == cell for referent in referents):
                    continue  # bound earlier in the same cell
                if not referents and len(access.referents) > 0:
                    builtin_reads[cell].add(name)
                else:
                    reads[cell].add(name)
    return [
        _cell_flow(source, reads[index], builtin_reads[index], writes[index])
        for index, source in enumerate(sources)
    ]


def _cell_flow(source: str, reads: set[str], builtin_reads: set[str], writes: set[str]) -> CellFlow:
    tree = ast.parse(source)
    loads, stores = _first_lines(tree)
    import_writes: list[str] = []
    for statement in tree.body:
        if isinstance(statement, (ast.Import, ast.ImportFrom)):
            for alias in statement.names:
                if alias.name != "*":
                    import_writes.append((alias.asname or alias.name).split(".")[0])
    visitor = _MutationVisitor()
    visitor.visit(tree)

    def uses(names: set[str]) -> tuple[NameUse, ...]:
        found = [NameUse(name, loads.get(name, 1)) for name in names]
        return tuple(sorted(found, key=lambda use: (use.line, use.name)))

    return CellFlow(
        reads=uses(reads),
        builtin_reads=tuple(sorted(uses(builtin_reads), key=lambda use: use.name)),
        writes=tuple(sorted(writes, key=lambda name: (stores.get(name, 0), name))),
        import_writes=tuple(dict.fromkeys(import_writes)),
        mutations=tuple(visitor.mutations),
        aliases=tuple(visitor.aliases),
        dynamic=tuple(use for use in uses(reads | builtin_reads) if use.name in DYNAMIC_NAMESPACE_CALLS),
    )


def _is_comprehension_chain(scope: object, global_scope: GlobalScope) -> bool:
    """True when `scope` is a comprehension evaluated right away at module level."""
    from libcst.metadata import ComprehensionScope

    current = scope
    while isinstance(current, ComprehensionScope):
        current = current.parent
    return current is global_scope


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


def imported_top_modules(source: str) -> tuple[str, ...]:
    """Top-level module names of the import statements in `source`, from libcst's import nodes.

    `import numpy, pandas as pd` gives numpy and pandas; `from sklearn.model_selection import x` gives
    sklearn; relative imports (`from . import x`) name no installable module and are left out.
    """
    names: dict[str, None] = {}
    for statement in parse_module(source).body:
        if not isinstance(statement, cst.SimpleStatementLine):
            continue
        for small in statement.body:
            if isinstance(small, cst.Import):
                dotted = [cst.helpers.get_full_name_for_node(alias.name) for alias in small.names]
            elif isinstance(small, cst.ImportFrom) and not small.relative and small.module is not None:
                dotted = [cst.helpers.get_full_name_for_node(small.module)]
            else:
                continue
            names.update((name.split(".")[0], None) for name in dotted if name)
    return tuple(names)


def _target_names(target: ast.expr) -> list[str]:
    if isinstance(target, ast.Name):
        return [target.id]
    if isinstance(target, (ast.Tuple, ast.List)):
        return [name for element in target.elts for name in _target_names(element)]
    if isinstance(target, ast.Starred):
        return _target_names(target.value)
    return []


def unconditional_bindings(source: str) -> tuple[str, ...]:
    """Names a cell surely binds to a value: targets of its top-level `=`, `+=`, `x: T = v` statements.

    Not names bound only inside `if`/`for`/`try`/`with` blocks (possibly unbound), not functions, classes,
    imports or lambdas, not names the cell deletes, and not `_`-prefixed names. In binding order.
    """
    tree = ast.parse(source)
    names: dict[str, None] = {}
    deleted: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Delete):
            deleted.update(name for target in node.targets for name in _target_names(target))
    for statement in tree.body:
        if isinstance(statement, ast.Assign) and not isinstance(statement.value, ast.Lambda):
            targets = [name for target in statement.targets for name in _target_names(target)]
        elif isinstance(statement, ast.AugAssign):
            targets = _target_names(statement.target)
        elif isinstance(statement, ast.AnnAssign) and statement.value is not None:
            targets = [] if isinstance(statement.value, ast.Lambda) else _target_names(statement.target)
        else:
            continue
        names.update((name, None) for name in targets if not name.startswith("_") and name not in deleted)
    return tuple(names)
