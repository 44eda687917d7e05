"""The demo instance: known accounts for every role, an open round, and a closed
round that a few hundred synthetic students already took."""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from quiz.accounts import services as accounts
from quiz.accounts.models import Role, User
from quiz.accounts.passwords import hash_password
from quiz.attempts.models import Attempt, AttemptItem, AttemptStatus
from quiz.attempts.services import finalize
from quiz.bank.models import Question, QuestionVersion
from quiz.certificates import services as certificates
from quiz.clock import now
from quiz.operations import integrity, regrading
from quiz.operations import services as operations
from quiz.results import appeals, practice
from quiz.results import services as results
from quiz.rounds.models import Round
from quiz.rounds.overrides import OverrideData
from quiz.rounds.services import (
    BlueprintLine,
    RoundData,
    blueprint_pool,
    create_round,
    draw_questions,
)
from quiz.universities.models import University

DEMO_UNIVERSITY = "BKA"
SYNTHETIC_STUDENTS = 300


@dataclass(frozen=True)
class DemoAccount:
    role: str
    email: str
    password: str
    full_name: str


DEMO_ACCOUNTS = (
    DemoAccount("student", "student@demo.example.org", "Hanoi-Demo-2025-sv", "Nguyễn Văn An"),
    DemoAccount(
        "coordinator", "coordinator@demo.example.org", "Hanoi-Demo-2025-cb", "Trần Thị Bình"
    ),
    DemoAccount("organiser", "organiser@demo.example.org", "Hanoi-Demo-2025-btc", "Lê Minh Châu"),
)

FAMILY = [
    "Nguyễn",
    "Trần",
    "Lê",
    "Phạm",
    "Hoàng",
    "Huỳnh",
    "Phan",
    "Vũ",
    "Võ",
    "Đặng",
    "Bùi",
    "Đỗ",
    "Hồ",
    "Ngô",
    "Dương",
    "Lý",
]
MIDDLE = ["Văn", "Thị", "Minh", "Ngọc", "Đức", "Thu", "Quang", "Thanh", "Hữu", "Gia"]
GIVEN = [
    "An",
    "Bình",
    "Chi",
    "Dũng",
    "Giang",
    "Hà",
    "Hải",
    "Hạnh",
    "Hiếu",
    "Hoa",
    "Hùng",
    "Khánh",
    "Lan",
    "Linh",
    "Long",
    "Mai",
    "Minh",
    "Nam",
    "Ngân",
    "Phúc",
    "Quân",
    "Sơn",
    "Tâm",
    "Thảo",
    "Trang",
    "Trung",
    "Tú",
    "Uyên",
    "Vy",
    "Yến",
]


def ensure_demo_accounts(session: Session) -> None:
    """Create the demo accounts, or reset their passwords if they exist."""
    for account in DEMO_ACCOUNTS:
        user = session.scalar(select(User).where(User.email == account.email))
        if user is None:
            role = Role(account.role)
            accounts.create_user(
                session,
                accounts.NewUser(
                    email=account.email,
                    full_name=account.full_name,
                    role=role,
                    university_code=None if role is Role.ORGANISER else DEMO_UNIVERSITY,
                    password=account.password,
                ),
                actor=None,
            )
        else:
            user.password_hash = hash_password(account.password)
    session.flush()


def ensure_demo_rounds(session: Session, rng: random.Random | None = None) -> bool:
    """An open round and a closed one taken by synthetic students; False if rounds exist."""
    if session.scalar(select(func.count(Round.id))):
        return False
    rng = rng or random.Random(2025)
    moment = now()
    closed = create_round(
        session,
        RoundData(
            title={
                "vi": "Vòng 1 — Làm quen với Công ước",
                "en": "Round 1 — Getting to know the Convention",
                "fr": "Manche 1 — Découvrir la Convention",
            },
            opens_at=moment - timedelta(days=14),
            closes_at=moment - timedelta(days=7),
            time_limit_seconds=900,
            blueprint=[
                BlueprintLine(4, None, "easy"),
                BlueprintLine(4, None, "medium"),
                BlueprintLine(2, None, "hard"),
            ],
            prediction_text={
                "vi": "Bao nhiêu bài làm của vòng này đạt điểm tối đa?",
                "en": "How many entries in this round will score full marks?",
                "fr": "Combien de copies de cette manche auront la note maximale ?",
            },
        ),
        actor_id=None,
    )
    open_round = create_round(
        session,
        RoundData(
            title={
                "vi": "Vòng 2 — Công ước Hà Nội và an toàn trên mạng",
                "en": "Round 2 — The Hanoi Convention and staying safe online",
                "fr": "Manche 2 — La Convention de Hanoï et la sécurité en ligne",
            },
            opens_at=moment - timedelta(hours=1),
            closes_at=moment + timedelta(days=30),
            time_limit_seconds=1200,
            blueprint=[
                BlueprintLine(6, None, "easy"),
                BlueprintLine(8, None, "medium"),
                BlueprintLine(6, None, "hard"),
            ],
        ),
        actor_id=None,
    )
    miskeyed = _synthetic_attempts(session, closed, rng)
    _demo_override(session, open_round)
    regraded = _demo_regrade(session, closed, miskeyed)
    integrity.scan(session, closed.id, actor_id=None)
    if regraded is not None:
        _demo_appeals(session, closed, regraded, miskeyed)
    return True


def _demo_regrade(session: Session, round_: Round, miskeyed: str) -> str | None:
    """One question of the closed round neutralised (not the miskeyed one, which the
    item analysis leaves for the organiser to find): the audit log shows a regrade, and
    the students who had it read a note on their result."""
    questions = [key for key in regrading.questions_of(session, round_.id) if key != miskeyed]
    if questions:
        regrading.regrade(
            session,
            round_.id,
            regrading.RegradeData(
                questions[0],
                "neutralise",
                "Đề bài có thể hiểu theo hai cách: mọi thí sinh được trọn điểm câu này.",
            ),
            dry_run=False,
            actor_id=None,
        )
        return questions[0]
    return None


def _demo_appeals(session: Session, round_: Round, regraded: str, miskeyed: str) -> None:
    """Two appeals on the closed round, answered: one on the neutralised question
    (accepted with that regrade), one on the miskeyed question (rejected, which the
    item analysis shows may need a second look); then the results made official, their
    certificates issued, and a practice round made of its questions."""
    results.set_appeal_window(session, round_.id, results.DEFAULT_APPEAL_HOURS, actor_id=None)
    filed = []
    for key, text in (
        (regraded, "Câu hỏi có thể hiểu theo hai cách, em chọn theo cách hiểu thứ hai."),
        (miskeyed, "Em nghĩ đáp án của câu này chưa đúng với văn bản Công ước."),
    ):
        item = session.execute(
            select(AttemptItem.attempt_id, AttemptItem.position, Attempt.student_id)
            .join(Attempt, Attempt.id == AttemptItem.attempt_id)
            .join(QuestionVersion, QuestionVersion.id == AttemptItem.question_version_id)
            .join(Question, Question.id == QuestionVersion.question_id)
            .where(Attempt.round_id == round_.id, Question.key == key)
            .where(Attempt.id.not_in([a.attempt_id for a in filed]))
            .order_by(Attempt.id)
            .limit(1)
        ).first()
        if item is not None:
            filed.append(
                appeals.file(
                    session, item.attempt_id, item.position, text, student_id=item.student_id
                )
            )
    for appeal, decision, reason in zip(
        filed,
        ("accept", "reject"),
        (
            "Đúng vậy: câu hỏi đã được chấm lại, mọi thí sinh được trọn điểm câu này.",
            "Đáp án đúng theo Điều 7 của Công ước; Ban tổ chức sẽ xem lại cách diễn đạt.",
        ),
        strict=False,
    ):
        appeals.answer(session, round_.id, [appeal.id], decision, reason, actor_id=None)
    results.set_appeal_window(session, round_.id, 0, actor_id=None)
    results.make_official(session, round_.id, actor_id=None)
    certificates.issue_round(session, round_.id, actor_id=None)
    practice.practice_from(session, round_.id, now(), now() + timedelta(days=30), actor_id=None)


def _demo_override(session: Session, round_: Round) -> None:
    """One student with extra time on the open round: the organisers' operations page
    lists it, the audit log records it, the student reads it on the round page."""
    student = session.scalar(select(User).where(User.email == "sv0001@synthetic.example.org"))
    if student is not None:
        operations.set_override(
            session,
            round_.id,
            operations.Target(student=student),
            OverrideData(
                reason="Thí sinh khiếm thị dùng trình đọc màn hình: thêm 10 phút theo quy chế.",
                extra_seconds=600,
            ),
            actor_id=None,
        )


def _synthetic_students(session: Session, rng: random.Random) -> list[User]:
    universities = list(session.scalars(select(University).order_by(University.code)))
    # Participation is skewed: a few large universities send many students.
    weights = [1 / (rank + 1) ** 0.8 for rank in range(len(universities))]
    rng.shuffle(universities)
    students = []
    for n in range(SYNTHETIC_STUDENTS):
        family, middle, given = rng.choice(FAMILY), rng.choice(MIDDLE), rng.choice(GIVEN)
        students.append(
            User(
                email=f"sv{n + 1:04d}@synthetic.example.org",
                password_hash="",
                full_name=f"{family} {middle} {given}",
                display_name=f"{given} {family[0]}.",
                role=Role.STUDENT.value,
                university_id=rng.choices(universities, weights=weights)[0].id,
                student_number=f"SV{n + 1:05d}",
            )
        )
    session.add_all(students)
    session.flush()
    return students


def _synthetic_attempts(session: Session, round_: Round, rng: random.Random) -> str:
    """Submitted attempts with a realistic spread of skill and speed; one question, the
    one drawn most often, answered as if its key were wrong (the strong students choose
    another option): the item analysis flags it. Returns that question's id."""
    window = (round_.closes_at - round_.opens_at).total_seconds() - round_.time_limit_seconds
    pool = blueprint_pool(session, round_)
    papers = []
    # The demo student took this round too: their result, certificate and practice.
    demo_student = session.scalar(select(User).where(User.email == DEMO_ACCOUNTS[0].email))
    for student in [*([demo_student] if demo_student else []), *_synthetic_students(session, rng)]:
        seed = rng.randrange(2**31)
        papers.append((student, seed, draw_questions(session, pool, seed)))
    drawn_most = Counter(q.version.key for _s, _seed, drawn in papers for q in drawn)
    miskeyed = min(drawn_most, key=lambda key: (-drawn_most[key], key))
    addresses = _start_addresses([student for student, _seed, _drawn in papers])
    for student, seed, drawn in papers:
        # The last student answers everything right in under two minutes: the
        # integrity review queue shows them as a ``fast`` signal.
        quick = student is papers[-1][0]
        skill = 1.0 if quick else rng.betavariate(4, 2)
        started = round_.opens_at + timedelta(seconds=rng.uniform(0, window))
        deadline = started + timedelta(seconds=round_.time_limit_seconds)
        items = []
        for question in drawn:
            right = question.version.correct_ids()
            wrong = [o for o in question.option_order if o not in right]
            choices: list[str] = []
            if question.version.key == miskeyed and wrong and not quick:
                # What the key should have been: sorted, so every student means the same one.
                choices = [sorted(wrong)[0]] if skill > 0.6 else right
            elif rng.random() < skill:
                choices = right
            elif rng.random() < 0.9:
                choices = [rng.choice(wrong or right)]
            items.append(
                AttemptItem(
                    position=question.position,
                    question_version_id=question.version.id,
                    option_order=question.option_order,
                    choices=choices,
                    saved_at=started if choices else None,
                )
            )
        attempt = Attempt(
            round_id=round_.id,
            student_id=student.id,
            number=1,
            seed=seed,
            status=AttemptStatus.IN_PROGRESS.value,
            started_at=started,
            deadline=deadline,
            save_until=deadline + timedelta(seconds=round_.grace_seconds),
            max_score=sum(question.version.points for question in drawn),
            items=items,
            prediction=rng.randint(0, 40),
            start_address=addresses[student.id],
        )
        session.add(attempt)
        session.flush()
        took = timedelta(seconds=rng.uniform(0.25, 1.0) * round_.time_limit_seconds)
        if quick:
            took = timedelta(seconds=100)
        finalize(session, attempt, round_, AttemptStatus.SUBMITTED, submitted_at=started + took)
    return miskeyed


def _start_addresses(students: list[User]) -> dict[int, str]:
    """Where each synthetic student started from: an address of their own, except a
    computer room of the largest university where 24 students share one (a ``crowd``
    signal that the organiser reviewing it will find normal). Reserved ranges only."""
    largest = Counter(student.university_id for student in students).most_common(1)[0][0]
    room = [student.id for student in students if student.university_id == largest][:24]
    addresses = {
        student.id: f"198.18.{n // 250}.{n % 250 + 1}" for n, student in enumerate(students)
    }
    addresses.update(dict.fromkeys(room, "203.0.113.20"))
    return addresses
