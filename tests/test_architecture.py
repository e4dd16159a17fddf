"""The tree is the flow (issue 21): the import contracts in `.importlinter` hold, a page that
imports below the views breaks them, and no module imports itself round a cycle, counting the
imports inside functions."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parent.parent
LINT = Path(sys.executable).with_name("lint-imports")


def lint(cwd: Path) -> subprocess.CompletedProcess:
    env = os.environ | {"PYTHONPATH": str(ROOT)}
    return subprocess.run([str(LINT), str(cwd / ".importlinter"), "--no-cache"],
                          cwd=cwd, env=env, capture_output=True, text=True, timeout=120, check=False)


def test_the_import_contracts_hold():
    done = lint(ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Contracts: 4 kept, 0 broken." in done.stdout


@pytest.mark.parametrize(("line", "broken"), [
    ("from cpip_dashboard.store import queries", "cpip_dashboard.store"),
    ("from cpip_dashboard.rules.rag import label", "cpip_dashboard.rules"),
    ("from cpip_dashboard.batches import approval", "cpip_dashboard.batches"),
])
def test_a_page_importing_below_the_views_breaks_them(tmp_path, line, broken):
    shutil.copy(ROOT / ".importlinter", tmp_path / ".importlinter")
    (tmp_path / "pages").mkdir()
    (tmp_path / "pages" / "drawn.py").write_text("from cpip_dashboard.views import common\n")
    (tmp_path / "pages" / "bad.py").write_text(line + "\n")
    done = lint(tmp_path)
    assert done.returncode == 1, done.stdout
    assert f"pages is not allowed to import {broken}" in done.stdout
    assert "pages.bad ->" in done.stdout and "pages.drawn" not in done.stdout


def _cycles(imports: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iteratively), given
    what each module imports."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for start in sorted(imports):
        if start in index:
            continue
        work = [(start, iter(sorted(imports[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(imports[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_the_cycle_finder_finds_a_cycle():
    imports = {"a": {"b"}, "b": {"c"}, "c": {"a", "d"}, "d": set(), "e": {"d", "e"}}
    assert _cycles(imports) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": {"a"}, "c": {"d"}, "d": {"c"}}) == [["a", "b"], ["c", "d"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_no_module_imports_itself_round_a_cycle():
    # grimp reads every import statement, those inside functions included; a package's
    # __init__ re-exporting its own modules is not a cycle of stages, so packages are left out
    graph = grimp.build_graph("cpip_dashboard", exclude_type_checking_imports=True, cache_dir=None)
    modules = {m for m in graph.modules if not graph.find_children(m)}
    imports = {m: graph.find_modules_directly_imported_by(m) & modules - {m} for m in modules}
    assert len(modules) > 60
    assert _cycles(imports) == []


@pytest.mark.xdist_group("grouping_check")
def test_a_grouped_test_reaches_the_scheduler_with_its_group(request):
    """`xdist_group` keeps a module's tests on one worker (one server, one cluster, one
    shared database) only if the id the worker reports carries `@group`
    (tests/conftest.py, `_group_ids`)."""
    if not getattr(request.config.option, "loadgroup", False):
        pytest.skip("not in a pytest-xdist worker under --dist loadgroup")
    assert request.node.nodeid.endswith("@grouping_check")
