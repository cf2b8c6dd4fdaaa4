"""The import rules of ARCHITECTURE.md, declared once and enforced on the whole app code.

Every import is read from the source with `ast`, function-level ones included (a lazy
import is still an import). Each module has a kind and an app:

1. By kind: models (with the clock, settings and errors they need) <- selectors and access
   rules <- the protocol engine <- services <- interfaces. "A <- B": B may import A.
2. Within one kind, by app: core <- agencies <- children <- episodes <- contextual <- risk = returns =
   panels <- protocol <- notifications <- casework <- reports <- api. Apps of equal rank
   do not import each other.

The site package `missing/` (settings, urls, Celery app, wsgi) is above everything and no
app imports it. No two modules import each other, however indirectly.
"""

from __future__ import annotations

import ast
import dataclasses
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Within one kind, by app. Equal numbers are equal rank (risk = returns = panels).
APP_RANK: dict[str, float] = {
    "core": 0,
    "agencies": 1,
    "children": 2,
    "episodes": 3,
    # Places, children missing together, associates: above episodes, below the panels
    # that link them (issue 12, decision 0013).
    "contextual": 3.5,
    "risk": 4,
    "returns": 4,
    "panels": 4,
    "protocol": 5,
    "notifications": 6,
    "casework": 7,
    "reports": 8,
    "api": 9,
}

MODELS, SELECTORS, ENGINE, SERVICES, INTERFACES = range(5)
KIND_NAMES = ["models", "selectors and access rules", "engine", "services", "interfaces"]

# Module (dotted, without the app) -> kind. Anything not named is looked up by its last
# part in KIND_BY_NAME, then by package (management commands, templatetags, migrations).
KIND_BY_MODULE = {
    # The lowest layer: the clock, domain errors, the actor type, the protocol's numbers.
    # Form parts every page shares (GOV.UK dates and times in Europe/London).
    "core.forms": INTERFACES,
    # The rule catalogue describes the rules for people (the protocol page, each
    # deadline's source): a read over the settings, below the engine.
    "protocol.catalogue": SELECTORS,
    # Deadlines as pages show them (tags, actions, the escalation queue): a read model.
    "casework.deadlines": SELECTORS,
    # High-risk children missing now, for partner agencies (issue 15): a read model.
    "casework.alerts": SELECTORS,
    # The engine: pure rules, the ledger that reconciles.
    "protocol.rules": ENGINE,
    "protocol.state": ENGINE,
    "protocol.ledger": ENGINE,
    "protocol": ENGINE,
    # The notification flow: recipients and message text are read models over the
    # engine's rows; the outbox and delivery are services.
    "notifications.recipients": SELECTORS,
    "notifications.messages": SELECTORS,
    "notifications.outbox": SERVICES,
    "notifications.delivery": SERVICES,
    # The GOV.UK Notify e-mail backend: delivery hands it messages through Django mail.
    "notifications.notify": SERVICES,
    # The moments "Who is told" names (a report, a return), announced through the outbox.
    "notifications.announcements": SERVICES,
    "notifications.inbox": SELECTORS,
    # Reports: the database alias they read (settings only), the counting rules and their
    # labels, the tables and charts drawn from them (read models); the exports are services.
    "reports.routers": MODELS,
    "reports.definitions": SELECTORS,
    "reports.counting": SELECTORS,
    "reports.sql": SELECTORS,
    "reports.tables": SELECTORS,
    "reports.sections": SELECTORS,
    "reports.charts": SELECTORS,
    "reports.oversight": SELECTORS,
    "reports.exports": SERVICES,
    "reports.pdf": SERVICES,
    # The statutory returns (SSDA903, Annex A list 8): read models over the record.
    "reports.ssda903": SELECTORS,
    "reports.annex_a": SELECTORS,
    # Writes a request's access events at its end (core.audit collects them).
    "children.middleware": INTERFACES,
    # Retention rules and the records past them (a read model); the audited erasure.
    "casework.retention": SELECTORS,
    "casework.erasure": SERVICES,
}
KIND_BY_NAME = {
    "models": MODELS,
    "apps": MODELS,
    "conf": MODELS,
    "clock": MODELS,
    "errors": MODELS,
    "actors": MODELS,
    "selectors": SELECTORS,
    "permissions": SELECTORS,
    "services": SERVICES,
    "views": INTERFACES,
    "forms": INTERFACES,
    "urls": INTERFACES,
    "admin": INTERFACES,
    "tasks": INTERFACES,
    "context_processors": INTERFACES,
    "middleware": INTERFACES,
}
# Whole apps that are interfaces throughout (the API is one interface; the top floor's
# pages are interfaces over read models that are selectors).
INTERFACE_APPS = {"api"}


@dataclasses.dataclass(frozen=True)
class Module:
    name: str
    path: Path

    @property
    def app(self) -> str:
        return self.name.split(".")[0]

    @property
    def kind(self) -> int:
        parts = self.name.split(".")
        if self.name in KIND_BY_MODULE:
            return KIND_BY_MODULE[self.name]
        if self.app == "core":
            return MODELS
        if "migrations" in parts:
            return MODELS
        if "management" in parts or "templatetags" in parts:
            return INTERFACES
        if parts[-1] in KIND_BY_NAME:
            return KIND_BY_NAME[parts[-1]]
        if self.app in INTERFACE_APPS:
            return INTERFACES
        raise AssertionError(
            f"{self.name} has no kind: name it in tests/test_architecture.py (KIND_BY_MODULE)"
        )


def app_modules() -> dict[str, Module]:
    modules = {}
    for app in [*APP_RANK, "missing"]:
        for path in sorted((ROOT / app).rglob("*.py")):
            relative = path.relative_to(ROOT).with_suffix("")
            parts = list(relative.parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            modules[".".join(parts)] = Module(".".join(parts), path)
    return modules


def imports_of(module: Module, known: dict[str, Module]) -> set[str]:
    """Our modules that `module` imports, at any depth of its code."""
    tree = ast.parse(module.path.read_text(), filename=str(module.path))
    package = module.name if module.path.name == "__init__.py" else module.name.rpartition(".")[0]
    found: set[str] = set()

    def resolve(name: str) -> str | None:
        # The longest known module that `name` is or lies inside.
        parts = name.split(".")
        for length in range(len(parts), 0, -1):
            candidate = ".".join(parts[:length])
            if candidate in known:
                return candidate
        return None

    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if target := resolve(alias.name):
                    found.add(target)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                prefix = ".".join([*base, node.module] if node.module else base)
            else:
                prefix = node.module or ""
            for alias in node.names:
                target = resolve(f"{prefix}.{alias.name}") or resolve(prefix)
                if target:
                    found.add(target)
    found.discard(module.name)
    return found


def allowed(importer: Module, imported: Module) -> bool:
    if imported.app == "missing":
        return importer.app == "missing"
    if importer.app == "missing":
        return True
    if imported.kind < importer.kind:
        return True
    if imported.kind > importer.kind:
        return False
    if importer.app == imported.app:
        return True
    return APP_RANK[imported.app] < APP_RANK[importer.app]


def graph() -> dict[str, set[str]]:
    known = app_modules()
    return {name: imports_of(module, known) for name, module in known.items()}


def test_every_import_follows_the_kind_and_app_rules():
    known = app_modules()
    against = []
    for name, targets in graph().items():
        importer = known[name]
        for target in sorted(targets):
            imported = known[target]
            if not allowed(importer, imported):
                against.append(
                    f"{name} ({KIND_NAMES[importer.kind]}, {importer.app}) imports "
                    f"{target} ({KIND_NAMES[imported.kind]}, {imported.app})"
                )
    assert against == [], "imports against ARCHITECTURE.md's rules:\n" + "\n".join(against)


def test_no_module_imports_itself_through_others():
    edges = graph()
    # Packages import their own submodules as a matter of course (protocol/__init__
    # re-exports reconcile); a cycle is between modules, not a package and its parts.
    for name, targets in edges.items():
        edges[name] = {t for t in targets if not name.startswith(t + ".")}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []
    counter = [0]

    def visit(node: str) -> None:
        # Tarjan's strongly connected components, iterative enough for our ~200 modules.
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for target in edges.get(node, ()):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    assert cycles == [], f"import cycles: {cycles}"


def test_the_rules_catch_an_upward_import(tmp_path):
    # The checker itself: a services module of a lower app importing a higher app's
    # services, and a model importing the site package, are both refused.
    known = {
        "episodes.services": Module("episodes.services", tmp_path / "a.py"),
        "risk.services": Module("risk.services", tmp_path / "b.py"),
        "children.models": Module("children.models", tmp_path / "c.py"),
        "missing.settings": Module("missing.settings", tmp_path / "d.py"),
        "protocol.ledger": Module("protocol.ledger", tmp_path / "e.py"),
    }
    (tmp_path / "a.py").write_text("def f():\n    from risk.services import open_referral\n")
    assert imports_of(known["episodes.services"], known) == {"risk.services"}
    assert not allowed(known["episodes.services"], known["risk.services"])
    assert allowed(known["risk.services"], known["episodes.services"])
    assert not allowed(known["children.models"], known["missing.settings"])
    assert allowed(known["episodes.services"], known["protocol.ledger"])
    assert not allowed(known["protocol.ledger"], known["episodes.services"])
