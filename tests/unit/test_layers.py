"""Imports flow one way: bot -> dialogues -> services -> storage -> domain, and content -> domain.

Read with `ast`, so an import inside a function (the usual way round a circle) counts too.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("bot", "dialogues", "services", "content", "storage", "domain")
# what each package may import of ours (besides itself); nothing may import bot
ALLOWED = {
    "domain": set(),
    "content": {"domain"},
    "storage": {"domain"},
    "services": {"storage", "content", "domain"},
    "dialogues": {"services", "content", "domain"},  # the unit of work is services' protocol
    "bot": {"dialogues", "services", "content", "storage", "domain"},
}
# Every query lives in storage/repositories. Outside storage only the composition root names
# SQLAlchemy (the engine it holds); the list only shrinks.
REACHING_SQL = frozenset({"bot.app"})


def modules(package: str, root: Path = ROOT) -> Iterator[tuple[str, list[str]]]:
    """(module, every module name it imports, anywhere in it) for each module of `package`."""
    for path in sorted((root / package).rglob("*.py")):
        if "migrations" in path.parts:
            continue
        names: list[str] = []
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names += [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.append(node.module)
        yield ".".join(path.relative_to(root).with_suffix("").parts), names


def sql_users(root: Path = ROOT) -> set[str]:
    """Modules outside storage that import SQLAlchemy or the table models."""
    return {
        module
        for package in PACKAGES
        if package != "storage"
        for module, names in modules(package, root)
        if any(n.split(".")[0] == "sqlalchemy" or n == "storage.models" for n in names)
    }


def imports(package: str, root: Path = ROOT) -> Iterator[tuple[str, str]]:
    """(module, the package of ours it imports) for every import in `package`."""
    for module, names in modules(package, root):
        for name in names:
            top = name.split(".")[0]
            if top in PACKAGES and top != package:
                yield module, top


@pytest.mark.parametrize("package", PACKAGES)
def test_a_package_imports_only_the_layers_below_it(package: str) -> None:
    wrong = sorted({(m, top) for m, top in imports(package) if top not in ALLOWED[package]})
    assert wrong == [], f"{package} may import only {sorted(ALLOWED[package])}"


def test_no_new_module_outside_storage_reaches_for_sql() -> None:
    assert sql_users() == REACHING_SQL


def test_the_rule_sees_an_import_hidden_in_a_function(tmp_path: Path) -> None:
    (tmp_path / "domain").mkdir()
    code = "import domain.model\n\n\ndef f() -> None:\n    from bot.app import App\n"
    (tmp_path / "domain" / "sneaky.py").write_text(code, encoding="utf-8")
    assert list(imports("domain", tmp_path)) == [("domain.sneaky", "bot")]


def module_graph(root: Path = ROOT) -> dict[str, set[str]]:
    """Each of our modules and the modules of ours it imports, anywhere in it."""
    files = {}
    for package in PACKAGES:
        for path in (root / package).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            parts = path.relative_to(root).with_suffix("").parts
            files[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    graph: dict[str, set[str]] = {module: set() for module in files}
    for module, path in files.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets: list[str] = []
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                for alias in node.names:
                    full = f"{node.module}.{alias.name}"
                    targets.append(full if full in files else node.module)
            elif isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            graph[module] |= {t for t in targets if t in files and t != module}
    return graph


def circle(graph: dict[str, set[str]]) -> list[str] | None:
    """Modules that import each other round a circle (the first found), or None."""
    try:
        tuple(TopologicalSorter(graph).static_order())
    except CycleError as error:
        return list(error.args[1])
    return None


def test_no_modules_import_each_other_round_a_circle() -> None:
    assert circle(module_graph()) is None


def test_a_circle_through_a_function_level_import_is_found(tmp_path: Path) -> None:
    (tmp_path / "bot").mkdir()
    (tmp_path / "bot" / "cli.py").write_text("import bot.admin\n", encoding="utf-8")
    hidden = "def run() -> None:\n    from bot.cli import main\n"
    (tmp_path / "bot" / "admin.py").write_text(hidden, encoding="utf-8")
    found = circle(module_graph(tmp_path))
    assert found is not None and set(found) == {"bot.admin", "bot.cli"}


REPOSITORIES = frozenset(
    {
        "orgs",
        "groups",
        "members",
        "invites",
        "rollouts",
        "deliveries",
        "answerable",
        "answers",
        "participation",
        "marks",
        "summaries",
        "updates",
    }
)


def repository_calls(path: Path) -> list[str]:
    """`uow.<repository>.<method>` in a module: a use case done where it does not belong."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Attribute)
            and _is_unit_of_work(node.value.value)
            and node.value.attr in REPOSITORIES
        ):
            found.append(f"{path.name}:{node.lineno} uow.{node.value.attr}.{node.attr}")
    return found


def _is_unit_of_work(node: ast.expr) -> bool:
    """`uow`, or a context's `turn.uow` / `call.uow`."""
    if isinstance(node, ast.Name):
        return node.id == "uow"
    return isinstance(node, ast.Attribute) and node.attr == "uow"


def test_handlers_and_the_cli_call_services_never_a_repository() -> None:
    places = [*sorted((ROOT / "dialogues").rglob("*.py")), ROOT / "bot" / "admin_cli.py"]
    places += [ROOT / "bot" / "cli.py", ROOT / "bot" / "middlewares.py"]
    assert [call for path in places for call in repository_calls(path)] == []


def test_the_rule_sees_a_repository_call(tmp_path: Path) -> None:
    handler = tmp_path / "staff.py"
    handler.write_text("async def pause(uow):\n    await uow.members.pause(1, None)\n")
    assert repository_calls(handler) == ["staff.py:2 uow.members.pause"]


def test_the_rule_sees_a_repository_call_through_a_context(tmp_path: Path) -> None:
    handler = tmp_path / "admin.py"
    handler.write_text("async def pause(call):\n    await call.uow.rollouts.pause(1)\n")
    assert repository_calls(handler) == ["admin.py:2 uow.rollouts.pause"]


# A handler gets the update's context as one typed object (dialogues/turn.py, or AdminGuard's
# dialogues/admin_call.py), never these loose: aiogram matches parameters by name, so a loose
# one would silently stop arriving if the middleware renamed it.
LOOSE_CONTEXT = frozenset({"uow", "now", "org", "group", "rollout", "catalogue", "super_admin"})


def loose_handler_parameters(path: Path) -> list[str]:
    source = path.read_text(encoding="utf-8")
    registered = set(re.findall(r"\.register\(\s*(\w+)", source))
    found = []
    for node in ast.parse(source).body:
        if isinstance(node, ast.AsyncFunctionDef) and node.name in registered:
            loose = sorted({a.arg for a in node.args.args} & LOOSE_CONTEXT)
            found += [f"{path.name}:{node.lineno} {node.name}({', '.join(loose)})"] if loose else []
    return found


def test_handlers_take_their_context_as_one_object() -> None:
    modules = sorted((ROOT / "dialogues").rglob("*.py"))
    assert [loose for path in modules for loose in loose_handler_parameters(path)] == []


def test_the_rule_sees_a_loose_parameter(tmp_path: Path) -> None:
    handler = tmp_path / "staff.py"
    handler.write_text(
        "async def today(message, uow, now):\n    pass\n\n"
        "def register(router):\n    router.message.register(today)\n"
    )
    assert loose_handler_parameters(handler) == ["staff.py:1 today(now, uow)"]
