"""The project's own promises: README's set-up commands are the ones CI runs."""
from __future__ import annotations

import re

from tests.conftest import ROOT


def test_ci_runs_the_readme_commands():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    commands = re.findall(r"^    (pip install .+)$", readme.split("## Use")[0], re.M)
    assert len(commands) == 2, commands
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    for command in commands:
        assert command in ci, command
