"""The README's two fresh-machine commands stay true, and CI runs the test one verbatim."""

from __future__ import annotations

import re

from tests.conftest import REPO_ROOT


def _readme_commands() -> list[str]:
    text = (REPO_ROOT / "README.md").read_text("utf-8")
    return re.findall(r"```sh\n(python3 -m venv[^\n]+)\n```", text)


def test_readme_opens_with_demo_and_test_commands() -> None:
    commands = _readme_commands()
    assert len(commands) >= 2
    demo, tests = commands[0], commands[1]
    assert "iro-desktop --demo" in demo
    assert "pytest" in tests and "'.[test]'" in tests


def test_ci_runs_the_readme_test_command_verbatim() -> None:
    test_command = _readme_commands()[1]
    ci_lines = (REPO_ROOT / ".ci" / "run").read_text("utf-8").splitlines()
    assert test_command in ci_lines
