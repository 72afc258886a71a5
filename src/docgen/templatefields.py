"""What a template reads, checked against what its rendering context holds.

A Jinja expression that reads a field the payload can never have does not fail:
it prints nothing (``ChainableUndefined``), on every document, forever. So the
linter walks the Jinja AST of each part (after docxtpl's own ``patch_xml``) and
resolves every ``data.x.y`` chain against the schema, ``agency.x`` against the
agency profile, ``approvals.stage.field`` against the version's workflow, and
every other name against the rendering context (docs/architecture.md) and the
loop and ``set`` variables in scope. A loop variable over a schema array
carries the array's item schema, so ``o.name`` inside ``for o in data.officers``
is checked too. What it resolves is recorded as *used*, so that required
fields the template never prints can be found.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Iterable, Iterator

from jinja2 import Environment, nodes

from .schemapaths import ITEMS, Place, SchemaTree, dotted

# Filters whose first positional argument (or ``attribute=``) names a field of each item.
_ITEM_ATTRIBUTE_FILTERS = {"selectattr", "rejectattr", "map", "sort", "unique", "sum", "min", "max", "groupby"}
# Filters that return (a subset of) the same array or value: the result keeps its schema.
_SAME_VALUE_FILTERS = {"default", "d", "selectattr", "rejectattr", "sort", "unique", "reverse", "list"}
_ONE_ITEM_FILTERS = {"first", "last", "random", "min", "max"}
_STRING_METHODS = set(dir(str))
_LIST_METHODS = set(dir(list))
APPROVAL_FIELDS = ("decision", "opinion", "signer", "date")


@dataclass(frozen=True)
class FieldProblem:
    """An expression that reads something the context can never hold.

    ``expression`` is the source text to look for in the document (``data.party.nmae``),
    so the report can point at the paragraph.
    """

    expression: str
    message: str
    certain: bool = True  # False: probably wrong, but a person may have meant it (see ``_unknown``)


@dataclass(frozen=True)
class ContextModel:
    """Everything a template may read, as schemas (see docs/architecture.md, "Rendering context")."""

    data: SchemaTree
    agency: SchemaTree
    approvals: SchemaTree
    review: SchemaTree | None = None
    scalars: frozenset[str] = frozenset({"doc_number", "blank"})
    filters: frozenset[str] = frozenset()
    tests: frozenset[str] = frozenset()
    globals: frozenset[str] = frozenset()

    def root(self, name: str) -> "_Binding | None":
        trees = {"data": self.data, "agency": self.agency, "approvals": self.approvals}
        if self.review is not None:
            trees["review"] = self.review
        if name in trees:
            return _Binding(name, trees[name], trees[name].root, name)
        return None


@dataclass
class FieldReport:
    """The result of walking one part: problems, and every ``data`` path it reads."""

    problems: list[FieldProblem] = field(default_factory=list)
    used: set[tuple[str, ...]] = field(default_factory=set)


@dataclass(frozen=True)
class _Binding:
    """A value whose schema is known: which root it hangs off, where, and how it is written."""

    root: str
    tree: SchemaTree
    place: Place
    text: str


_OPAQUE = None  # a value whose shape is not known (a loop over a literal list, a computed value)


class _Scope:
    def __init__(self, parent: "_Scope | None" = None) -> None:
        self.parent = parent
        self.names: dict[str, _Binding | None] = {}

    def lookup(self, name: str) -> tuple[bool, _Binding | None]:
        scope: _Scope | None = self
        while scope is not None:
            if name in scope.names:
                return True, scope.names[name]
            scope = scope.parent
        return False, None


def approvals_schema(approvals_stage_ids: Iterable[str]) -> dict[str, object]:
    """The schema of ``approvals``: one box per signature stage, each with the opinion fields."""
    box = {"type": "object", "additionalProperties": False,
           "properties": {name: {"type": "string"} for name in APPROVAL_FIELDS}}
    return {"type": "object", "additionalProperties": False,
            "properties": {stage: box for stage in approvals_stage_ids}}


def review_schema() -> dict[str, object]:
    """The schema of ``review`` (Stages.review_context): earlier rounds' returns and this round's 送审说明."""
    text = {"type": "string"}
    entry = {"type": "object", "additionalProperties": False,
             "properties": {"round": {"type": "integer"}, "label": text, "decision": text, "opinion": text,
                            "signer": text, "date": text}}
    submission = {"type": "object", "additionalProperties": False,
                  "properties": {"round": {"type": "integer"}, "opinion": text, "signer": text, "date": text}}
    return {"type": "object", "additionalProperties": False,
            "properties": {"round": {"type": "integer"}, "returns": {"type": "array", "items": entry},
                           "submission": submission}}


def parse(source: str) -> nodes.Template:
    """The Jinja AST of a (patched) part; raises ``TemplateSyntaxError``."""
    return Environment().parse(source)


def walk(template: nodes.Template, model: ContextModel) -> FieldReport:
    """Resolve every expression of a template against ``model``."""
    walker = _Walker(model)
    scope = _Scope()
    for stmt in template.body:
        walker.stmt(stmt, scope)
    return walker.report


class _Walker:
    def __init__(self, model: ContextModel) -> None:
        self.model = model
        self.report = FieldReport()

    def problem(self, expression: str, message: str, certain: bool = True) -> None:
        found = FieldProblem(expression, message, certain)
        if found not in self.report.problems:
            self.report.problems.append(found)

    # Statements ------------------------------------------------------------------------

    def stmt(self, node: nodes.Node, scope: _Scope) -> None:
        if isinstance(node, nodes.For):
            binding = self.expr(node.iter, scope)
            inner = _Scope(scope)
            item = self.items_of(binding) if binding else _OPAQUE
            self.bind(node.target, item, inner)
            inner.names["loop"] = _OPAQUE
            if node.test is not None:
                self.expr(node.test, inner)
            self.body(node.body, inner)
            self.body(node.else_, scope)
        elif isinstance(node, nodes.Assign):
            self.bind(node.target, self.expr(node.node, scope), scope)
        elif isinstance(node, nodes.AssignBlock):
            self.body(node.body, scope)
            self.bind(node.target, _OPAQUE, scope)
        elif isinstance(node, nodes.With):
            inner = _Scope(scope)
            for target, value in zip(node.targets, node.values):
                self.bind(target, self.expr(value, scope), inner)
            self.body(node.body, inner)
        elif isinstance(node, (nodes.Macro, nodes.CallBlock)):
            if isinstance(node, nodes.Macro):
                scope.names[node.name] = _OPAQUE
            else:
                self.expr(node.call, scope)
            inner = _Scope(scope)
            for arg in node.args:
                inner.names[arg.name] = _OPAQUE
            for name in ("caller", "varargs", "kwargs"):
                inner.names[name] = _OPAQUE
            for default in node.defaults:
                self.expr(default, scope)
            self.body(node.body, inner)
        else:
            for child in node.iter_child_nodes():  # Output, If, FilterBlock, ExprStmt …
                if isinstance(child, nodes.Expr):
                    self.expr(child, scope)
                else:
                    self.stmt(child, scope)

    def body(self, statements: list[nodes.Node], scope: _Scope) -> None:
        for stmt in statements:
            self.stmt(stmt, scope)

    def bind(self, target: nodes.Node, value: _Binding | None, scope: _Scope) -> None:
        if isinstance(target, nodes.Name):
            # Messages and the report's search for the paragraph use the name as written.
            scope.names[target.name] = replace(value, text=target.name) if value is not None else None
        elif isinstance(target, nodes.Tuple):
            for item in target.items:
                self.bind(item, _OPAQUE, scope)
        # NSRef (ns.x = …) binds nothing new

    # Expressions ---------------------------------------------------------------------

    def expr(self, node: nodes.Node, scope: _Scope) -> _Binding | None:
        """Check an expression; return its schema binding when it is a known path."""
        if isinstance(node, nodes.Name):
            return self.name(node.name, scope)
        if isinstance(node, nodes.Getattr):
            return self.attribute(self.expr(node.node, scope), node.attr)
        if isinstance(node, nodes.Getitem):
            base = self.expr(node.node, scope)
            self.expr(node.arg, scope)
            if isinstance(node.arg, nodes.Const) and isinstance(node.arg.value, str):
                return self.attribute(base, node.arg.value)
            if isinstance(node.arg, nodes.Const) and isinstance(node.arg.value, int):
                return self.items_of(base) if base else _OPAQUE
            return _OPAQUE  # a slice of text, or an index computed at render time
        if isinstance(node, nodes.Filter):
            return self.filter(node, scope)
        if isinstance(node, nodes.Test):
            self.expr(node.node, scope)
            self.arguments(node, scope)
            if node.name not in self.model.tests:
                self.problem(f"is {node.name}", f"测试 “{node.name}” 在渲染环境中不存在")
            return _OPAQUE
        for child in node.iter_child_nodes():
            self.expr(child, scope)
        return _OPAQUE

    def arguments(self, node: nodes.Filter | nodes.Test | nodes.Call, scope: _Scope) -> None:
        for arg in node.args:
            self.expr(arg, scope)
        for keyword in node.kwargs:
            self.expr(keyword.value, scope)
        for extra in (node.dyn_args, node.dyn_kwargs):
            if extra is not None:
                self.expr(extra, scope)

    def name(self, name: str, scope: _Scope) -> _Binding | None:
        bound, value = scope.lookup(name)
        if bound:
            return value
        root = self.model.root(name)
        if root is not None:
            return root
        if name in self.model.scalars or name in self.model.globals:
            return _OPAQUE
        self.problem(name, f"变量 “{name}” 不在渲染上下文中（只有 data、agency、doc_number、blank、approvals、review "
                           "及循环、set 定义的变量），总是输出空白")
        return _OPAQUE

    def attribute(self, base: _Binding | None, attr: str) -> _Binding | None:
        """``base.attr``: a field of an object, or a method of text or of a list."""
        if base is None:
            return _OPAQUE
        place = base.place
        text = f"{base.text}.{attr}"
        if place.scalar or place.array:
            methods = _LIST_METHODS if place.array else _STRING_METHODS
            if attr in methods:
                return _OPAQUE
            kind = "数组" if place.array else "文本或数值"
            self.problem(text, f"{base.text} 是{kind}，没有字段 “{attr}”，总是输出空白")
            return _OPAQUE
        child = base.tree.child(place, attr)
        if child is None:
            # A box for a stage the workflow lacks prints empty, to be signed on paper: maybe meant.
            self.problem(text, self._unknown(base, attr), certain=base.root != "approvals")
            return _OPAQUE
        self.use(base.root, child)
        return _Binding(base.root, base.tree, child, text)

    def _unknown(self, base: _Binding, attr: str) -> str:
        known = "、".join(base.place.property_names()) or "无"
        if base.root == "approvals" and not base.place.path:
            return (f"本版本的审批流程没有环节 “{attr}”（可签署的环节：{known}），"
                    f"{base.text}.{attr} 在签发的文书上总是空白，只能纸面签署")
        where = {"data": "schema", "agency": "机关配置（agency）", "approvals": "本版本审批流程的环节"}[base.root]
        written = base.text
        if base.root == "data" and written != dotted(base.place.path):
            written += f"（即 {dotted(base.place.path)}）"
        label = f"“{base.place.label}”" if base.place.label else ""
        return f"{written}{label}在{where}中没有 “{attr}”，总是输出空白；可用的有：{known}"

    def items_of(self, base: _Binding | None) -> _Binding | None:
        if base is None:
            return _OPAQUE
        items = base.tree.items(base.place)
        if items is None:
            return _OPAQUE
        self.use(base.root, items)
        return _Binding(base.root, base.tree, items, base.text + ITEMS)

    def filter(self, node: nodes.Filter, scope: _Scope) -> _Binding | None:
        base = self.expr(node.node, scope) if node.node is not None else _OPAQUE
        self.arguments(node, scope)
        if node.name not in self.model.filters:
            self.problem(f"|{node.name}", f"过滤器 “{node.name}” 在渲染环境中不存在，模板无法渲染")
            return _OPAQUE
        if node.name in _ITEM_ATTRIBUTE_FILTERS and base is not None:
            for attr in _attribute_arguments(node):
                item = self.items_of(base)
                for step in attr.split("."):
                    item = self.attribute(item, step)
        if node.name in _SAME_VALUE_FILTERS:
            return base
        if node.name in _ONE_ITEM_FILTERS and not _attribute_arguments(node):
            return self.items_of(base)
        return _OPAQUE

    def use(self, root: str, place: Place) -> None:
        if root == "data":
            self.report.used.add(place.path)


def _attribute_arguments(node: nodes.Filter) -> list[str]:
    """Field names a filter reads from each item: ``selectattr('amount')``, ``map(attribute='x')``."""
    names = [kw.value.value for kw in node.kwargs
             if kw.key == "attribute" and isinstance(kw.value, nodes.Const) and isinstance(kw.value.value, str)]
    if node.name in {"selectattr", "rejectattr"} and node.args and isinstance(node.args[0], nodes.Const):
        names.append(str(node.args[0].value))
    if node.name == "groupby" and node.args and isinstance(node.args[0], nodes.Const):
        names.append(str(node.args[0].value))
    return names


def unused_required(tree: SchemaTree, used: set[tuple[str, ...]]) -> Iterator[Place]:
    """Required fields (of the payload and of every object the template reads) it never reads.

    A ``const`` (a discriminator such as a party's ``kind``) is exempt: it only says which
    branch applies, there is nothing to print. Objects the template does not read at all
    are not descended into; their own absence is reported at their level. A place whose
    ``path`` has more than one step is nested: often required by a shared definition
    (an officer's certificate number) rather than by the instrument's author.
    """
    yield from _unused(tree, tree.root, used, depth=0)


def _unused(tree: SchemaTree, place: Place, used: set[tuple[str, ...]], depth: int) -> Iterator[Place]:
    if depth > 16:
        return
    def reads(path: tuple[str, ...]) -> bool:
        return any(u[:len(path)] == path for u in used)

    for name in place.required():
        child = tree.child(place, name)
        if child is None or child.constant:
            continue
        if not reads(child.path):
            yield child
    for name in place.property_names():
        child = tree.child(place, name)
        if child is None or not reads(child.path):
            continue
        yield from _unused(tree, child, used, depth + 1)
        items = tree.items(child)
        if items is not None and reads(items.path):
            yield from _unused(tree, items, used, depth + 1)
