"""The register of session keys (`cpip_dashboard.ui.keys`): every key written in `pages/` and
`ui/` belongs to its owner. A page uses only keys with its own prefix; the frame's modules use
only the register's frame keys (so the frame never reads a page's key); no two names share a
value. Read from the source (the AST), so a key on a path no test runs is checked too."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from cpip_dashboard.ui import keys
from tests.conftest import ROOT

PAGES = sorted(ROOT.glob("pages/*.py"))
FRAME_MODULES = sorted((ROOT / "cpip_dashboard" / "ui").glob("*.py"))
SESSION_METHODS = {"get", "pop", "setdefault"}


def written_keys(path: Path) -> list[tuple[int, str | None, str]]:
    """(line, key or None when it cannot be read, the expression) for each widget key and each
    session-state name in a module. A key built from another key (f"{key}-csv") is left out:
    the key it is built from is checked where it is written."""
    found = []

    def read(node: ast.expr) -> str | bool | None:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node.value
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) \
                and node.value.id == "keys":
            return getattr(keys, node.attr, None)
        if isinstance(node, ast.JoinedStr):
            head = node.values[0]
            if not isinstance(head, ast.Constant):
                return False  # derived from a key passed in: f"{key}-csv"
            if head.value in keys.LAYOUT_PREFIXES and len(node.values) == 2:
                return False  # a layout wrapper around a key passed in: f"table-{key}"
            return head.value + "x"  # the literal part decides the owner
        return None

    def session(node: ast.expr) -> bool:
        return isinstance(node, ast.Attribute) and node.attr == "session_state"

    for node in ast.walk(ast.parse(path.read_text())):
        targets = []
        if isinstance(node, ast.Call):
            targets += [k.value for k in node.keywords if k.arg == "key"]
            if isinstance(node.func, ast.Attribute) and session(node.func.value) \
                    and node.func.attr in SESSION_METHODS and node.args:
                targets.append(node.args[0])
            if isinstance(node.func, ast.Attribute) and session(node.func.value) \
                    and node.func.attr == "update" and node.args \
                    and isinstance(node.args[0], ast.Dict):
                targets += [k for k in node.args[0].keys if k is not None]
        if isinstance(node, ast.Subscript) and session(node.value):
            targets.append(node.slice)
        if isinstance(node, ast.Compare) and any(session(c) for c in node.comparators):
            targets.append(node.left)  # "name" in st.session_state
        for target in targets:
            value = read(target)
            if value is not False:
                found.append((target.lineno, value, ast.unparse(target)))
    return found


@pytest.mark.parametrize("page", PAGES, ids=[p.name for p in PAGES])
def test_each_page_uses_only_its_own_keys(page):
    relative = str(page.relative_to(ROOT))
    seen = written_keys(page)
    wrong = [(line, text) for line, key, text in seen
             if key is None or keys.owner(key) != relative]
    assert not wrong, f"{relative}: keys not its own (prefix {keys.PAGE_PREFIXES[relative]!r})"


@pytest.mark.parametrize("module", FRAME_MODULES, ids=[m.name for m in FRAME_MODULES])
def test_the_frame_uses_only_the_registers_frame_keys(module):
    seen = written_keys(module)
    wrong = [(line, text) for line, key, text in seen
             if key is None or keys.owner(key) != "frame" or not text.startswith("keys.")]
    assert not wrong, f"{module.name}: keys not from the register's frame keys: {wrong}"


def test_the_register_lists_each_page_and_no_name_twice():
    assert set(keys.PAGE_PREFIXES) == {str(p.relative_to(ROOT)) for p in PAGES}
    prefixes = [keys.FRAME_PREFIX, *keys.PAGE_PREFIXES.values(), *keys.LAYOUT_PREFIXES]
    assert not [(a, b) for a in prefixes for b in prefixes if a != b and b.startswith(a)]
    names = {name: value for name, value in vars(keys).items()
             if name.isupper() and isinstance(value, str)}
    frame_values = [v for v in names.values() if v.startswith(keys.FRAME_PREFIX)]
    assert len(frame_values) == len(set(frame_values))
    assert keys.FRAME_KEYS == set(frame_values) - {keys.FRAME_PREFIX, keys.NOTE_PREFIX}


@pytest.mark.parametrize("key,owner", [
    ("frame-area", "frame"),
    ("frame-area-control", "frame"),
    ("phone-frame-area", "frame"),  # a layout wrapper around a frame key
    ("wide-frame-note-how-this-is-worked-out-123", "frame"),
    ("frame-note-", None),
    ("frame-anything", None),  # a frame name the register does not list
    ("actions-register", "pages/actions.py"),
    ("table-actions-register", "pages/actions.py"),
    ("actions-register-csv", "pages/actions.py"),
    ("upload-approve-3", "pages/upload.py"),
    ("review-grid", "pages/planning_review.py"),
    ("area-profile", "pages/area_profile.py"),
    ("actions-", None),
    ("table-", None),
    ("register", None),
    ("_area_widget", None),
    ("measure", None),
])
def test_owner(key, owner):
    assert keys.owner(key) == owner


def test_the_checker_finds_a_stray_key(tmp_path):
    """The check can fail: a page writing an unprefixed key, reading a frame key, or using a
    name it builds at run time is each reported."""
    page = tmp_path / "bad.py"
    page.write_text('import streamlit as st\nst.selectbox("x", [1], key="register")\n'
                    'st.session_state.get("frame-area")\nst.session_state[name] = 1\n'
                    'st.button("y", key=f"table-{k}")\n"upload-x" in st.session_state\n')
    seen = [(line, key) for line, key, _ in written_keys(page)]
    assert seen == [(2, "register"), (3, "frame-area"), (4, None), (6, "upload-x")]  # 5: derived
    assert [keys.owner(k) if k else None for _, k in seen] == [
        None, "frame", None, "pages/upload.py"]
