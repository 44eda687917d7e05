"""Give every question's options a fresh random order and letters a, b, c...

Option ids are shown to students (they are the bank's stable ids), so if the
right answer were usually ``a`` the ids alone would give it away. This rewrites
bank files so that the correct letter is spread evenly; the seed is the
question id, so running it twice gives the same result. True/false questions
keep a = true, b = false (their texts say so anyway).

Usage: python tools/reletter_options.py question_bank/*.yaml
"""

from __future__ import annotations

import random
import string
import sys
from pathlib import Path

from quiz.bank.yamlfile import read_yaml, write_yaml


def main(paths: list[str]) -> None:
    for path in paths:
        topic, problems = read_yaml(Path(path).read_text(encoding="utf-8"), path)
        if topic is None or problems:
            raise SystemExit(f"{path}: fix the file first ({len(problems)} problems)")
        for question in topic.questions:
            if question.kind == "true_false":
                continue
            rng = random.Random(f"reletter:{question.id}")
            rng.shuffle(question.options)
            for option, letter in zip(question.options, string.ascii_lowercase, strict=False):
                option.id = letter
        Path(path).write_text(write_yaml(topic), encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1:])
