"""Reading bank files of any supported format from a path, and writing them out."""

from __future__ import annotations

from pathlib import Path

from flask_babel import lazy_gettext as _l

from quiz.bank.gift import read_gift, write_gift
from quiz.bank.moodlexml import read_moodle_xml, write_moodle_xml
from quiz.bank.schema import Problem, TopicData
from quiz.bank.yamlfile import read_yaml, write_yaml

#: The curated bank shipped with the platform, beside the package in the source tree.
BUNDLED_BANK = Path(__file__).resolve().parent.parent.parent / "question_bank"

FORMATS = {"yaml": ".yaml", "gift": ".gift", "moodle-xml": ".xml"}
SUFFIXES = {".yaml": "yaml", ".yml": "yaml", ".gift": "gift", ".txt": "gift", ".xml": "moodle-xml"}


def format_of(filename: str) -> str | None:
    """The bank format a file name implies, or None."""
    return SUFFIXES.get(Path(filename).suffix.lower())


def read_bytes(data: bytes, filename: str) -> tuple[list[TopicData], list[Problem]]:
    """Parse one file's bytes in the format its name implies."""
    kind = format_of(filename)
    if kind is None:
        return [], [Problem(filename, 0, "", _l("unknown file type (use .yaml, .gift or .xml)"))]
    if kind == "moodle-xml":
        return read_moodle_xml(data, filename)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        return [], [Problem(filename, line, "", _l("the file is not UTF-8 text"))]
    if kind == "gift":
        return read_gift(text, filename)
    topic, problems = read_yaml(text, filename)
    return ([topic] if topic is not None else []), problems


def read_path(path: str | Path) -> tuple[list[TopicData], list[Problem]]:
    """Every bank file under ``path`` (a file or a folder), in name order."""
    root = Path(path)
    if root.is_dir():
        files = sorted(p for p in root.rglob("*") if p.is_file() and format_of(p.name))
    elif root.is_file():
        files = [root]
    else:
        return [], [Problem(str(root), 0, "", _l("no such file or folder"))]
    topics: list[TopicData] = []
    problems: list[Problem] = []
    for file in files:
        found, trouble = read_bytes(file.read_bytes(), str(file))
        topics += found
        problems += trouble
    return topics, problems


WRITERS = {"yaml": write_yaml, "gift": write_gift, "moodle-xml": write_moodle_xml}


def write_dir(directory: str | Path, topics: list[TopicData], fmt: str = "yaml") -> list[Path]:
    """Write one file per topic into ``directory``; return the files written."""
    target = Path(directory)
    target.mkdir(parents=True, exist_ok=True)
    written = []
    for topic in topics:
        path = target / f"{topic.slug}{FORMATS[fmt]}"
        path.write_text(WRITERS[fmt](topic), encoding="utf-8")
        written.append(path)
    return written
