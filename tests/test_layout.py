"""How the code is laid out: rules have one home, so imports between domains run one way."""

from __future__ import annotations

import ast
from pathlib import Path

import quiz

PACKAGE = Path(quiz.__file__).parent


def domains_imported_by(domain: str) -> set[str]:
    """The other ``quiz`` subpackages that any module of ``domain`` imports."""
    found: set[str] = set()
    for path in (PACKAGE / domain).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                continue
            for name in names:
                parts = name.split(".")
                if parts[0] == "quiz" and len(parts) > 1 and parts[1] != domain:
                    found.add(parts[1])
    return found


def test_attempts_build_on_rounds_and_rounds_never_on_attempts():
    assert "rounds" in domains_imported_by("attempts")
    assert "attempts" not in domains_imported_by("rounds")


def test_the_university_board_has_its_own_module():
    boards = PACKAGE / "standings" / "boards.py"
    assert (PACKAGE / "standings" / "university_boards.py").is_file()
    assert "def university_board" not in boards.read_text(encoding="utf-8")
