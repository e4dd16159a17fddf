"""pytest plugin: which functions of the mutated modules each test calls, for
`tools/mutate_by_hand.py`'s TESTMAP (a mutant then runs only the tests that reach its function,
as mutmut's own runs do, and a survivor costs those tests, not the whole file).

    TRACE_FILES=cpip_dashboard/protection/figures.py TRACE_OUT=figures_map.json \\
        PYTHONPATH=tools python -m pytest -p mutate_map -n 0 -p no:randomly \\
        tests/protection/test_figures_edges.py

The map is `{"figures:x_build": [test ids], "figures:xǁ_Releasesǁof": [...]}`, keyed as mutmut
names a module's functions and methods (a nested function counts as the one it is in). Calls made
while a fixture is set up count for every test that uses the fixture. Traced on the real source
(sys.setprofile: about twice as slow as the tests alone, once).
"""

from __future__ import annotations

import json
import os
import sys

import pytest

TARGETS = {os.path.realpath(p) for p in os.environ.get("TRACE_FILES", "").split(",") if p}
_calls: set = set()
_map: dict[str, list[str]] = {}
_fixture_calls: dict[str, set] = {}
_names: dict = {}


def _key(code) -> str:
    """mutmut's name of the function a code object belongs to: `x_f`, or `xǁClassǁmethod`."""
    parts = code.co_qualname.split(".<locals>")[0].split(".")
    module = os.path.splitext(os.path.basename(code.co_filename))[0]
    if len(parts) == 1:
        return f"{module}:x_{parts[0]}"
    return f"{module}:x\u01c1{parts[0]}\u01c1{parts[1]}"


def _profile(frame, event, arg) -> None:
    if event != "call":
        return
    code = frame.f_code
    name = _names.get(code)
    if name is None:
        name = _key(code) if os.path.realpath(code.co_filename) in TARGETS else ""
        _names[code] = name
    if name:
        _calls.add(name)


@pytest.hookimpl(hookwrapper=True)
def pytest_fixture_setup(fixturedef, request):
    global _calls
    outer, _calls = _calls, set()
    yield
    _fixture_calls.setdefault(fixturedef.argname, set()).update(_calls)
    outer.update(_calls)
    _calls = outer


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    _calls.clear()
    sys.setprofile(_profile)
    yield
    sys.setprofile(None)
    for name in getattr(item, "fixturenames", ()):
        _calls.update(_fixture_calls.get(name, ()))
    for name in _calls:
        _map.setdefault(name, []).append(item.nodeid)


def pytest_sessionfinish(session) -> None:
    if os.environ.get("TRACE_OUT"):
        with open(os.environ["TRACE_OUT"], "w") as out:
            json.dump(_map, out, ensure_ascii=False)
