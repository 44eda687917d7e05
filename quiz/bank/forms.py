"""Forms of the bank's authoring screens, and their conversion to bank content."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    FormField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from quiz.bank.schema import LOCALES, MAX_OPTIONS, OptionData, QuestionData
from quiz.forms import Form, SubForm

KIND_LABELS = {
    "single": _l("Single choice"),
    "multiple": _l("Multiple answers"),
    "true_false": _l("True / false"),
}
DIFFICULTY_LABELS = {"easy": _l("Easy"), "medium": _l("Medium"), "hard": _l("Hard")}
STATUS_LABELS = {"active": _l("Active"), "retired": _l("Retired")}


def choices(labels: dict[str, Any], blank: Any = None) -> list[SelectChoice]:
    first = [SelectChoice("", blank)] if blank is not None else []
    return first + [SelectChoice(value, label) for value, label in labels.items()]


class OptionForm(SubForm):
    """One option: its stable id, its text in each language, and whether it is right."""

    id = StringField(_l("Option id"), validators=[DataRequired(), Length(max=16)])
    text_vi = TextAreaField(_l("Vietnamese"), validators=[Length(max=2000)])
    text_en = TextAreaField(_l("English"), validators=[Length(max=2000)])
    text_fr = TextAreaField(_l("French"), validators=[Length(max=2000)])
    correct = BooleanField(_l("Correct"))


class QuestionForm(Form):
    key = StringField(_l("Question id"), validators=[DataRequired(), Length(max=64)])
    topic = SelectField(_l("Topic"), validate_choice=False)
    kind = SelectField(_l("Kind"), choices=choices(KIND_LABELS))
    difficulty = SelectField(_l("Difficulty"), choices=choices(DIFFICULTY_LABELS))
    points = IntegerField(_l("Points"), default=1, validators=[NumberRange(min=1, max=100)])
    text_vi = TextAreaField(_l("Vietnamese"), validators=[Length(max=4000)])
    text_en = TextAreaField(_l("English"), validators=[Length(max=4000)])
    text_fr = TextAreaField(_l("French"), validators=[Length(max=4000)])
    explanation_vi = TextAreaField(_l("Vietnamese"), validators=[Length(max=4000)])
    explanation_en = TextAreaField(_l("English"), validators=[Length(max=4000)])
    explanation_fr = TextAreaField(_l("French"), validators=[Length(max=4000)])
    source = StringField(_l("Source"), validators=[Optional(), Length(max=500)])
    tags = StringField(_l("Tags (separated by commas)"), validators=[Optional(), Length(max=500)])
    review_by = DateField(
        _l("Check the facts again by"),
        validators=[Optional()],
        description=_l("For facts that can go stale: after this day the bank's checks warn."),
    )
    options = FieldList(FormField(OptionForm), min_entries=2, max_entries=MAX_OPTIONS)

    def to_question(self) -> QuestionData:
        """The form's content as bank content (the validator then checks the rules)."""
        return QuestionData(
            id=(self.key.data or "").strip(),
            difficulty=self.difficulty.data,
            kind=self.kind.data,
            points=self.points.data or 0,
            text=_texts(self, "text"),
            options=[
                OptionData(
                    id=(entry.form.id.data or "").strip(),
                    text=_texts(entry.form, "text"),
                    correct=bool(entry.form.correct.data),
                )
                for entry in self.options
            ],
            explanation=_texts(self, "explanation"),
            source=(self.source.data or "").strip(),
            tags=[t.strip() for t in (self.tags.data or "").split(",") if t.strip()],
            review_by=self.review_by.data,
            file="form",
        )

    def fill(self, topic: str, question: QuestionData) -> None:
        """Put an existing question into the form (for editing)."""
        self.key.data = question.id
        self.topic.data = topic
        self.kind.data = question.kind
        self.difficulty.data = question.difficulty
        self.points.data = question.points
        self.source.data = question.source
        self.tags.data = ", ".join(question.tags)
        self.review_by.data = question.review_by
        for locale in LOCALES:
            getattr(self, f"text_{locale}").data = question.text.get(locale, "")
            getattr(self, f"explanation_{locale}").data = question.explanation.get(locale, "")
        while len(self.options.entries):
            self.options.pop_entry()
        for option in question.options:
            self.options.append_entry(
                {"id": option.id, "correct": option.correct}
                | {f"text_{loc}": option.text.get(loc, "") for loc in LOCALES}
            )


def _texts(form: Any, prefix: str) -> dict[str, str]:
    texts = {}
    for locale in LOCALES:
        value = (getattr(form, f"{prefix}_{locale}").data or "").replace("\r\n", "\n").strip()
        if value:
            texts[locale] = value
    return texts


class UploadForm(Form):
    bank_file = FileField(
        _l("Bank file (.yaml, .gift or Moodle .xml)"), validators=[FileRequired()]
    )
    retire_missing = BooleanField(_l("Retire active questions that are not in this file"))


class FilterForm(Form):
    """The bank list's filters (a GET form: no CSRF token needed)."""

    class Meta:
        csrf = False

    q = StringField(_l("Search"), validators=[Optional(), Length(max=100)])
    topic = SelectField(_l("Topic"), validate_choice=False)
    difficulty = SelectField(
        _l("Difficulty"), choices=choices(DIFFICULTY_LABELS, _l("Any")), validate_choice=False
    )
    kind = SelectField(_l("Kind"), choices=choices(KIND_LABELS, _l("Any")), validate_choice=False)
    status = SelectField(
        _l("Status"), choices=choices(STATUS_LABELS, _l("Any")), validate_choice=False
    )
    missing = SelectField(
        _l("Missing translation"),
        choices=[
            SelectChoice("", _l("Any")),
            SelectChoice("en", _l("English")),
            SelectChoice("fr", _l("French")),
        ],
        validate_choice=False,
    )
