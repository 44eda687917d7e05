"""Organisers' authoring screens for the question bank."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from quiz.accounts.auth import role_required
from quiz.accounts.models import Role
from quiz.bank import files, health, services
from quiz.bank.forms import (
    DIFFICULTY_LABELS,
    KIND_LABELS,
    STATUS_LABELS,
    FilterForm,
    QuestionForm,
    UploadForm,
)
from quiz.bank.lint import MAX_KEY_LONGEST_SHARE
from quiz.bank.models import Question, Status
from quiz.bank.schema import (
    DIFFICULTIES,
    LOCALES,
    MAX_OPTIONS,
    BankInvalid,
    Problem,
    question_from_content,
)
from quiz.charts import bar_chart
from quiz.db import get_session
from quiz.operations.analysis import FLAG_LABELS
from quiz.web import page_number

bp = Blueprint("bank", __name__, url_prefix="/organiser/bank", template_folder="templates")

PAGE_SIZE = 50


@bp.before_request
@role_required(Role.ORGANISER)
def only_organisers() -> None:
    """Every authoring screen and upload is for organisers only."""


@bp.context_processor
def labels() -> dict[str, Any]:
    return {
        "KIND_LABELS": KIND_LABELS,
        "DIFFICULTY_LABELS": DIFFICULTY_LABELS,
        "STATUS_LABELS": STATUS_LABELS,
        "LOCALES": LOCALES,
        "FLAG_LABELS": FLAG_LABELS,
    }


def topic_choices(blank: Any = None) -> list[SelectChoice]:
    first = [SelectChoice("", blank)] if blank is not None else []
    locale = str(get_locale() or "vi")
    return first + [
        SelectChoice(t.slug, t.display_name(locale)) for t in services.topics(get_session())
    ]


def question_or_404(key: str) -> Question:
    question = services.get_question(get_session(), key)
    if question is None:
        abort(404)
    return question


@bp.get("/")
def index() -> Any:
    form = FilterForm(request.args)
    form.topic.choices = topic_choices(_("Any"))
    page = request.args.get("page", 1, type=page_number) or 1
    filters = services.BankFilter(
        topic=form.topic.data or "",
        difficulty=form.difficulty.data or "",
        kind=form.kind.data or "",
        status=form.status.data or "",
        missing=form.missing.data or "",
        query=form.q.data or "",
    )
    questions, total = services.list_questions(
        get_session(), filters, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE
    )
    pages = max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    return render_template(
        "bank/index.html",
        form=form,
        questions=questions,
        total=total,
        page=page,
        pages=pages,
        missing=services.missing_locales,
        bundled_active=services.bundled_active(get_session()),
        findings=health.findings_of(questions),
    )


def _edit_actions(form: QuestionForm) -> bool:
    """Handle the add/remove option buttons; True when the form must be shown again."""
    if "add_option" in request.form:
        if len(form.options.entries) < MAX_OPTIONS:
            next_id = chr(ord("a") + len(form.options.entries))
            form.options.append_entry({"id": next_id})
        return True
    remove = request.form.get("remove_option")
    if remove is not None and remove.isdigit() and int(remove) < len(form.options.entries):
        form.options.entries.pop(int(remove))
        return True
    return False


def _save(form: QuestionForm, *, is_new: bool, key: str | None = None) -> tuple[Any, list]:
    data = form.to_question()
    if key is not None:
        data.id = key
    try:
        question, outcome = services.save_question(
            get_session(), form.topic.data or "", data, actor_id=current_user.id, is_new=is_new
        )
    except BankInvalid as error:
        return None, error.problems
    if outcome == "unchanged":
        flash(_("Nothing changed."), "info")
    else:
        flash(_("Saved as version %(n)d.", n=question.current_version.number), "success")
    return redirect(url_for("bank.detail", key=question.key)), []


@bp.route("/new", methods=["GET", "POST"])
def create() -> Any:
    form = QuestionForm()
    form.topic.choices = topic_choices()
    problems: list[Problem] = []
    if request.method == "POST" and not _edit_actions(form) and form.validate():
        response, problems = _save(form, is_new=True)
        if response is not None:
            return response
    status = 422 if problems or form.errors else 200
    return render_template("bank/edit.html", form=form, problems=problems, question=None), status


@bp.route("/<key>/edit", methods=["GET", "POST"])
def edit(key: str) -> Any:
    question = question_or_404(key)
    form = QuestionForm()
    form.topic.choices = topic_choices()
    problems: list[Problem] = []
    if request.method == "GET":
        form.fill(question.topic.slug, current_content(question))
    elif not _edit_actions(form) and form.validate():
        response, problems = _save(form, is_new=False, key=key)
        if response is not None:
            return response
    status = 422 if problems or form.errors else 200
    return render_template(
        "bank/edit.html", form=form, problems=problems, question=question
    ), status


def current_content(question: Question) -> Any:
    version = question.current_version
    assert version is not None
    return question_from_content(question.key, services.version_content(version))


@bp.get("/<key>")
def detail(key: str) -> Any:
    question = question_or_404(key)
    history = services.versions(get_session(), question)
    changes = {
        newer.id: services.changes(older, newer)
        for newer, older in zip(history, history[1:], strict=False)
    }
    findings, _figures = health.bank_lint(get_session())
    return render_template(
        "bank/detail.html",
        question=question,
        history=history,
        changes=changes,
        findings=health.findings_by_question(findings).get(key, []),
        past=health.analysis_flags(get_session()).get(key, []),
    )


@bp.get("/health")
def bank_health() -> Any:
    """The bank as a test-wise student sees it: shares, patterns, duplicates, flags."""
    session = get_session()
    findings, figures = health.bank_lint(session)
    single = figures.single or 1
    locale = str(get_locale() or "vi")
    topic_names = {t.slug: t.display_name(locale) for t in services.topics(session)}
    charts = [
        bar_chart(
            _("Questions by difficulty"),
            [(str(DIFFICULTY_LABELS[d]), figures.difficulties[d]) for d in DIFFICULTIES],
        ),
        bar_chart(
            _("Questions by topic"),
            [(topic_names.get(slug, slug), n) for slug, n in figures.topics.most_common()],
        ),
        bar_chart(
            _("Single choice: the key is the longest option, per language (per cent of questions)"),
            [(loc, round(100 * figures.key_longest.get(loc, 0) / single)) for loc in LOCALES],
        ),
        bar_chart(
            _("Multiple choice: correct options of all options"),
            sorted(figures.patterns.items()),
        ),
        bar_chart(_("Single choice: the key's letter"), sorted(figures.letters.items())),
    ]
    return render_template(
        "bank/health.html",
        figures=figures,
        charts=charts,
        bank_findings=[f for f in findings if not f.question],
        by_question=health.findings_by_question(findings),
        past=health.analysis_flags(session),
        max_longest=round(100 * MAX_KEY_LONGEST_SHARE),
    )


@bp.get("/<key>/preview")
def preview(key: str) -> Any:
    question = question_or_404(key)
    return render_template("bank/preview.html", question=question, version=question.current_version)


@bp.post("/<key>/retire")
def retire(key: str) -> Any:
    services.set_status(get_session(), key, Status.RETIRED, actor_id=current_user.id)
    flash(_("The question is retired: it will no longer be drawn."), "success")
    return redirect(url_for("bank.detail", key=key))


@bp.post("/<key>/restore")
def restore(key: str) -> Any:
    services.set_status(get_session(), key, Status.ACTIVE, actor_id=current_user.id)
    flash(_("The question is active again."), "success")
    return redirect(url_for("bank.detail", key=key))


@bp.route("/upload", methods=["GET", "POST"])
def upload() -> Any:
    form = UploadForm()
    problems: list[Problem] = []
    if form.validate_on_submit():
        upload = form.bank_file.data
        topics, problems = files.read_bytes(upload.read(), upload.filename or "upload")
        if not problems:
            try:
                summary = services.import_bank(
                    get_session(),
                    topics,
                    retire_missing=form.retire_missing.data,
                    actor_id=current_user.id,
                )
            except BankInvalid as error:
                problems = error.problems
            else:
                flash(
                    _(
                        "Imported: %(n)d created, %(v)d new versions, %(u)d unchanged, "
                        "%(r)d retired.",
                        n=len(summary.created),
                        v=len(summary.new_versions),
                        u=len(summary.unchanged),
                        r=len(summary.retired),
                    ),
                    "success",
                )
                return redirect(url_for("bank.index"))
    status = 422 if problems or form.errors else 200
    return render_template("bank/upload.html", form=form, problems=problems), status
