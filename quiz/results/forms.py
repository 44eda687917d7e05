"""Forms of the results pages: a student's appeal, and the organisers' steps."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DateTimeLocalField, IntegerField, RadioField, SelectMultipleField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange
from wtforms.widgets import CheckboxInput, ListWidget

from quiz.forms import Form
from quiz.results.models import APPEAL_MAX_CHARS
from quiz.results.services import DEFAULT_APPEAL_HOURS, MAX_APPEAL_HOURS, REASON_MAX_CHARS
from quiz.rounds.forms import LOCAL_FORMAT, within_the_contest_era


class AppealForm(Form):
    text = TextAreaField(
        _l("Your appeal"),
        validators=[DataRequired(), Length(max=APPEAL_MAX_CHARS)],
        description=_l(
            "Say what is wrong with the question or its key, and why (at most %(most)d "
            "characters). You may appeal each question once.",
            most=APPEAL_MAX_CHARS,
        ),
    )


class AppealWindowForm(Form):
    hours = IntegerField(
        _l("Appeals stay open for (hours)"),
        default=DEFAULT_APPEAL_HOURS,
        validators=[InputRequired(), NumberRange(min=0, max=MAX_APPEAL_HOURS)],
        description=_l("From now. 0 closes the window now."),
    )


class OfficialForm(Form):
    """Make the results official (a button; the token is all it holds)."""


class ReopenForm(Form):
    reason = TextAreaField(
        _l("Reason for reopening"),
        validators=[DataRequired(), Length(max=REASON_MAX_CHARS)],
        description=_l("Official results are reopened only to change them (a regrade)."),
    )


class AnswerForm(Form):
    """The answer to some of the appeals on one question (prefix ``q<question id>``)."""

    appeals = SelectMultipleField(
        _l("Appeals answered"),
        coerce=int,
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )
    decision = RadioField(
        _l("Answer"),
        choices=[
            SelectChoice("accept", _l("Accept, with the regrade in force on this question")),
            SelectChoice("reject", _l("Reject")),
        ],
        validators=[DataRequired()],
    )
    reason = TextAreaField(
        _l("Reason"),
        validators=[DataRequired(), Length(max=APPEAL_MAX_CHARS)],
        description=_l("The students read it with the answer to their appeal."),
    )


class PracticeForm(Form):
    """The official round's questions as a practice round, open for a period."""

    opens_at = DateTimeLocalField(
        _l("Practice opens at"),
        format=LOCAL_FORMAT,
        validators=[InputRequired(), within_the_contest_era],
    )
    closes_at = DateTimeLocalField(
        _l("Practice closes at"),
        format=LOCAL_FORMAT,
        validators=[InputRequired(), within_the_contest_era],
    )
