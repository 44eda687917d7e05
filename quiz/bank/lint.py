"""Item-writing flaws: what lets a test-wise student find a key without knowing the fact.

``lint`` reads parsed bank content (files or the database's current versions) and
returns findings, each with a severity, a rule and a place, and the bank's figures.
Retired questions are left out: they are no longer drawn. The rules and why they
exist are in docs/authoring-guide.en.md; ``quiz bank lint --strict`` fails on errors.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from rapidfuzz import fuzz, process

from quiz.bank.numbers import numbers
from quiz.bank.schema import DIFFICULTIES, LOCALES, QuestionData, TopicData

ERROR, WARNING = "error", "warning"
_DIFFICULTY_WORDS = {"easy": _l("easy"), "medium": _l("medium"), "hard": _l("hard")}

#: The key is "clearly" the longest when it is this many times the next option.
LONGEST_MARGIN = 1.2
#: At most this share of single-choice questions may have the key as the longest option.
MAX_KEY_LONGEST_SHARE = 0.30
#: At most this share of multiple-choice questions may share one "k correct of n" pattern.
MAX_PATTERN_SHARE = 0.40
#: One letter may be the key of at most this share of single-choice questions.
MAX_LETTER_SHARE = 0.40
#: Each difficulty should hold at least this share of the bank.
MIN_DIFFICULTY_SHARE = 0.25
#: No topic should hold more than this share of the bank.
MAX_TOPIC_SHARE = 0.35
#: Two questions whose texts (with their keys) are this similar in every language.
DUPLICATE_SIMILARITY = 70.0
#: Bank-level shares are judged from this many questions up (fewer say little).
MIN_FOR_SHARES = 10

_ABOVE = re.compile(
    r"\b(all|none|both|neither) of the (above|options|answers)\b"
    r"|\btất cả (các )?(đáp án|phương án|ý)( trên)?\b|\bcả \w+ (đáp án|phương án) trên\b"
    r"|\bkhông (có )?(đáp án|phương án) nào\b"
    r"|\b(toutes|aucune) (les|des|de ces) (réponses|propositions)\b",
    re.IGNORECASE,
)
_WORD = re.compile(r"\w+", re.UNICODE)


@dataclass(frozen=True)
class Finding:
    severity: str
    rule: str
    file: str
    line: int
    question: str
    #: A lazy translation, rendered in the reader's language.
    message: Any

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else (self.file or "bank")
        subject = f" [{self.question}]" if self.question else ""
        return f"{where}: {self.severity} {self.rule}{subject} {self.message}"


@dataclass
class Figures:
    """The bank-level figures a health page charts."""

    active: int = 0
    retired: int = 0
    kinds: Counter[str] = field(default_factory=Counter)
    difficulties: Counter[str] = field(default_factory=Counter)
    topics: Counter[str] = field(default_factory=Counter)
    single: int = 0
    #: Single-choice questions whose key is the unique longest option, per locale.
    key_longest: dict[str, int] = field(default_factory=dict)
    #: "2 of 5": multiple-choice questions by number of correct and of all options.
    patterns: Counter[str] = field(default_factory=Counter)
    #: Single-choice keys by option id.
    letters: Counter[str] = field(default_factory=Counter)
    #: (question, question, similarity %) of near-duplicate pairs.
    duplicates: list[tuple[str, str, int]] = field(default_factory=list)

    def share(self, count: int, total: int) -> float:
        return count / total if total else 0.0


def _text(texts: dict[str, str], locale: str) -> str:
    return texts.get(locale) or texts.get("vi") or ""


def _locales_of(question: QuestionData) -> list[str]:
    """The locales a question is written in (its vi text is the fallback for the rest)."""
    return [loc for loc in LOCALES if question.text.get(loc)]


def _finding(severity: str, rule: str, q: QuestionData, message: Any, line: int = 0) -> Finding:
    return Finding(severity, rule, q.file, line or q.line, q.id, message)


# -- one question ----------------------------------------------------------------------


def key_is_longest(question: QuestionData, locale: str) -> float | None:
    """How many times longer the key is than the next option, if it is the unique longest."""
    if question.kind != "single" or len(question.options) < 2:
        return None
    lengths = sorted(
        ((len(_text(o.text, locale).strip()), o.correct) for o in question.options), reverse=True
    )
    (first, correct), (second, _) = lengths[0], lengths[1]
    if not correct or first == second:
        return None
    return first / max(second, 1)


#: French singular articles are one article: "L'Union" and "Le Conseil" open alike.
_SAME_ARTICLE = {"l": "le", "la": "le"}


def _first_word(text: str) -> str:
    words = _WORD.findall(text.lower())
    return _SAME_ARTICLE.get(words[0], words[0]) if words else ""


def _shared_opening(question: QuestionData, locale: str) -> str | None:
    """A first word that two or more options of one side (right or wrong) share and no
    option of the other side has: "Contact points..." three times against a key that
    starts otherwise, or right answers in "Les..." against wrong ones in "Des..."."""
    if question.kind == "true_false":
        return None
    right = [_first_word(_text(o.text, locale)) for o in question.options if o.correct]
    wrong = [_first_word(_text(o.text, locale)) for o in question.options if not o.correct]
    for side, other in ((right, wrong), (wrong, right)):
        if len(side) >= 2 and other and side[0] and len(set(side)) == 1 and side[0] not in other:
            return side[0]
    return None


def _texts_of(question: QuestionData) -> list[tuple[Any, dict[str, str], str]]:
    """Each text with the severity of a number that differs in it: an error in what the
    students answer from, a warning in the explanation."""
    parts: list[tuple[Any, dict[str, str], str]] = [(_l("the text"), question.text, ERROR)]
    parts += [(_l("option %(id)s", id=o.id), o.text, ERROR) for o in question.options]
    parts.append((_l("the explanation"), question.explanation, WARNING))
    return parts


def question_findings(question: QuestionData, *, today: date) -> list[Finding]:
    """Every flaw of one question."""
    q = question
    found: list[Finding] = []
    locales = _locales_of(q)
    clearly = [loc for loc in locales if (key_is_longest(q, loc) or 0) >= LONGEST_MARGIN]
    if clearly:
        found.append(
            _finding(
                WARNING,
                "key-longest",
                q,
                _l(
                    "the key is clearly the longest option (%(locales)s): lengthen the wrong "
                    "options or shorten the key",
                    locales=", ".join(clearly),
                ),
            )
        )
    for locale in locales:
        word = _shared_opening(q, locale)
        if word:
            found.append(
                _finding(
                    WARNING,
                    "shared-opening",
                    q,
                    _l(
                        "options of one side all start with “%(word)s” (%(locale)s) and none "
                        "of the other: the opening tells right from wrong",
                        word=word,
                        locale=locale,
                    ),
                )
            )
            break
    for option in q.options:
        if any(_ABOVE.search(text) for text in option.text.values()):
            found.append(
                _finding(
                    ERROR,
                    "all-none-above",
                    q,
                    _l(
                        "option %(id)s refers to the other options (“all/none of the above”): "
                        "options are shuffled for each student",
                        id=option.id,
                    ),
                    option.line,
                )
            )
    for part, texts, severity in _texts_of(q):
        stated = {loc: numbers(texts[loc], loc) for loc in LOCALES if texts.get(loc)}
        if len(set(map(frozenset, stated.values()))) > 1:
            found.append(
                _finding(
                    severity,
                    "numbers-differ",
                    q,
                    _l(
                        "%(part)s states different numbers in different languages: %(numbers)s",
                        part=part,
                        numbers="; ".join(
                            f"{loc} {', '.join(sorted(n, key=int)) or '-'}"
                            for loc, n in stated.items()
                        ),
                    ),
                )
            )
    if not any(text.strip() for text in q.explanation.values()):
        found.append(
            _finding(ERROR, "no-explanation", q, _l("no explanation: students read it in review"))
        )
    if not q.source.strip():
        found.append(
            _finding(WARNING, "no-source", q, _l("no source: say where the fact can be checked"))
        )
    if q.review_by is not None and q.review_by < today:
        found.append(
            _finding(
                WARNING,
                "review-due",
                q,
                _l(
                    "its facts were to be checked again by %(day)s",
                    day=q.review_by.isoformat(),
                ),
            )
        )
    return found


# -- the bank --------------------------------------------------------------------------


def near_duplicates(questions: list[QuestionData]) -> list[tuple[str, str, int]]:
    """Pairs whose text with its key is similar in every language they share.

    Similarity is rapidfuzz's token-sort ratio on lower-cased words, so a question
    asked again with its words in another order is still found; the pair's score is
    its lowest over the languages (a pair similar in one language only is not a
    duplicate, just a common phrasing).
    """
    prepared = []
    for q in questions:
        keys = [o.text for o in q.options if o.correct]
        prepared.append(
            {
                loc: " ".join(
                    _WORD.findall(
                        " ".join([_text(q.text, loc)] + [_text(k, loc) for k in keys]).lower()
                    )
                )
                for loc in LOCALES
            }
        )
    pairs = []
    first, *others = LOCALES
    texts = [p[first] for p in prepared]
    for i, text in enumerate(texts):
        # One pass in rapidfuzz's C code over the later questions in the first language;
        # only the few alike there are compared in the others.
        for _match, score, j in process.extract(
            text,
            texts[i + 1 :],
            scorer=fuzz.token_sort_ratio,
            score_cutoff=DUPLICATE_SIMILARITY,
            limit=None,
        ):
            j += i + 1
            score = min(
                [score]
                + [fuzz.token_sort_ratio(prepared[i][loc], prepared[j][loc]) for loc in others]
            )
            if score >= DUPLICATE_SIMILARITY:
                pairs.append((questions[i].id, questions[j].id, round(score)))
    return sorted(pairs, key=lambda pair: -pair[2])


def figures_of(topics: list[TopicData]) -> Figures:
    """The figures of the active questions of ``topics`` (retired ones are only counted)."""
    questions = [q for t in topics for q in t.questions if q.status != "retired"]
    figures = Figures(active=len(questions))
    for topic in topics:
        active = sum(1 for q in topic.questions if q.status != "retired")
        figures.topics[topic.slug] = active
        figures.retired += len(topic.questions) - active
    for q in questions:
        figures.kinds[q.kind] += 1
        figures.difficulties[q.difficulty] += 1
        if q.kind == "single":
            figures.single += 1
            figures.letters.update(o.id for o in q.options if o.correct)
            for loc in LOCALES:
                if key_is_longest(q, loc) is not None:
                    figures.key_longest[loc] = figures.key_longest.get(loc, 0) + 1
        elif q.kind == "multiple":
            right = sum(1 for o in q.options if o.correct)
            figures.patterns[f"{right}/{len(q.options)}"] += 1
    figures.duplicates = near_duplicates(questions)
    return figures


def bank_findings(figures: Figures, place: str) -> list[Finding]:
    """What is wrong with the bank as a whole (the shares a test-wise student learns)."""
    found: list[Finding] = []

    def add(severity: str, rule: str, message: Any) -> None:
        found.append(Finding(severity, rule, place, 0, "", message))

    if figures.single >= MIN_FOR_SHARES:
        for loc, count in sorted(figures.key_longest.items()):
            share = figures.share(count, figures.single)
            if share > MAX_KEY_LONGEST_SHARE:
                add(
                    ERROR,
                    "bank-key-longest",
                    _l(
                        "the key is the longest option in %(n)d of %(total)d single-choice "
                        "questions (%(share)d %%, %(locale)s; at most %(most)d %%): "
                        "“pick the longest” would pay",
                        n=count,
                        total=figures.single,
                        share=round(share * 100),
                        locale=loc,
                        most=round(MAX_KEY_LONGEST_SHARE * 100),
                    ),
                )
        letter, count = (figures.letters.most_common(1) or [("", 0)])[0]
        if figures.share(count, figures.single) > MAX_LETTER_SHARE:
            add(
                WARNING,
                "bank-key-letter",
                _l(
                    "the key is option %(id)s in %(n)d of %(total)d single-choice questions",
                    id=letter,
                    n=count,
                    total=figures.single,
                ),
            )
    multiple = sum(figures.patterns.values())
    if multiple >= MIN_FOR_SHARES:
        pattern, count = figures.patterns.most_common(1)[0]
        if figures.share(count, multiple) > MAX_PATTERN_SHARE:
            right, options = pattern.split("/")
            add(
                ERROR,
                "bank-correct-count",
                _l(
                    "%(n)d of %(total)d multiple-choice questions have %(right)s correct of "
                    "%(options)s options (at most %(most)d %%): the count can be guessed",
                    n=count,
                    total=multiple,
                    right=right,
                    options=options,
                    most=round(MAX_PATTERN_SHARE * 100),
                ),
            )
    if figures.active >= MIN_FOR_SHARES:
        for difficulty in DIFFICULTIES:
            share = figures.share(figures.difficulties[difficulty], figures.active)
            if share < MIN_DIFFICULTY_SHARE:
                add(
                    WARNING,
                    "bank-difficulty-mix",
                    _l(
                        "only %(share)d %% of the questions are %(difficulty)s "
                        "(at least %(least)d %% each of easy, medium and hard)",
                        share=round(share * 100),
                        difficulty=_DIFFICULTY_WORDS[difficulty],
                        least=round(MIN_DIFFICULTY_SHARE * 100),
                    ),
                )
        for topic, count in figures.topics.most_common():
            share = figures.share(count, figures.active)
            if share > MAX_TOPIC_SHARE:
                add(
                    WARNING,
                    "bank-topic-mix",
                    _l(
                        "topic %(topic)s holds %(share)d %% of the questions",
                        topic=topic,
                        share=round(share * 100),
                    ),
                )
    return found


def lint(topics: list[TopicData], *, today: date, place: str = "") -> tuple[list[Finding], Figures]:
    """Findings for every active question and for the bank (reported at ``place``, the
    path that was read), and the bank's figures."""
    active = [q for t in topics for q in t.questions if q.status != "retired"]
    findings = [f for q in active for f in question_findings(q, today=today)]
    figures = figures_of(topics)
    by_id = {q.id: q for q in active}
    for first, second, score in figures.duplicates:
        q = by_id[second]
        findings.append(
            _finding(
                WARNING,
                "near-duplicate",
                q,
                _l(
                    "asks nearly what %(other)s asks (%(score)d %% alike in every language): "
                    "merge them, or retire one",
                    other=first,
                    score=score,
                ),
            )
        )
    findings += bank_findings(figures, place)
    return findings, figures


def errors_in(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if f.severity == ERROR]
