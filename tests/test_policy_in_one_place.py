"""Every access decision lives in departments/policy.py: a `may_*`/`can_*` helper elsewhere is a second rule."""

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APPS = ["kernel", "departments", "indicators", "procedures", "reports", "dxportal"]
POLICY = ROOT / "departments" / "policy.py"
DECISION = re.compile(r"^_?(may|can)_")
ROLE_SET = re.compile(r"_ROLES$")


def app_modules():
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" not in path.parts and path != POLICY:
                yield path


def decisions_in(path):
    """Yield (line, name) of functions that decide access and module-level role sets."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and DECISION.match(node.name):
            yield node.lineno, node.name
    for node in tree.body:
        targets = node.targets if isinstance(node, ast.Assign) else []
        for target in targets:
            if isinstance(target, ast.Name) and ROLE_SET.search(target.id):
                yield node.lineno, target.id


def test_permission_helpers_are_defined_only_in_the_policy():
    found = [f"{path.relative_to(ROOT)}:{line} {name}" for path in app_modules() for line, name in decisions_in(path)]
    assert found == [], "access decisions outside departments/policy.py:\n" + "\n".join(found)


def test_the_policy_check_finds_a_helper_defined_elsewhere(tmp_path):
    stray = tmp_path / "admin.py"
    stray.write_text("EDITOR_ROLES = ()\n\ndef may_enter_data(actor):\n    return True\n", encoding="utf-8")
    assert [name for _line, name in decisions_in(stray)] == ["may_enter_data", "EDITOR_ROLES"]
