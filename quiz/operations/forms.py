"""Forms of the organisers' round operations: overrides, time given back, regrading,
integrity decisions."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    DateTimeLocalField,
    EmailField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from quiz.forms import Form
from quiz.rounds.forms import LOCAL_FORMAT, to_utc, within_the_contest_era
from quiz.rounds.overrides import MAX_REASON, OverrideData

_REASON_HELP = _l("The students it touches read this reason on their round page and result.")


class OverrideForm(Form):
    email = EmailField(
        _l("Student's e-mail address"), validators=[Optional(), Email(), Length(max=254)]
    )
    university_code = StringField(
        _l("…or a university code (every student of it)"), validators=[Optional(), Length(max=16)]
    )
    extra_minutes = IntegerField(
        _l("Extra time (minutes)"), validators=[Optional(), NumberRange(min=0, max=24 * 60)]
    )
    opens_at = DateTimeLocalField(
        _l("Personal window: opens at"),
        format=LOCAL_FORMAT,
        validators=[Optional(), within_the_contest_era],
    )
    closes_at = DateTimeLocalField(
        _l("Personal window: closes at"),
        format=LOCAL_FORMAT,
        validators=[Optional(), within_the_contest_era],
    )
    extra_attempts = IntegerField(
        _l("Extra attempts"), validators=[Optional(), NumberRange(min=0, max=99)]
    )
    reason = TextAreaField(
        _l("Reason"),
        validators=[DataRequired(), Length(max=MAX_REASON)],
        description=_REASON_HELP,
    )

    def to_data(self) -> OverrideData:
        return OverrideData(
            reason=self.reason.data or "",
            extra_seconds=(self.extra_minutes.data or 0) * 60,
            opens_at=to_utc(self.opens_at.data),
            closes_at=to_utc(self.closes_at.data),
            extra_attempts=self.extra_attempts.data or 0,
        )


class IncidentForm(Form):
    minutes = IntegerField(
        _l("Minutes to give back"), validators=[DataRequired(), NumberRange(min=1, max=240)]
    )
    university_code = StringField(
        _l("Only the students of this university (code, optional)"),
        validators=[Optional(), Length(max=16)],
    )
    started_before = DateTimeLocalField(
        _l("Only attempts started before (optional)"),
        format=LOCAL_FORMAT,
        validators=[Optional(), within_the_contest_era],
    )
    reason = TextAreaField(
        _l("Reason"),
        validators=[DataRequired(), Length(max=MAX_REASON)],
        description=_REASON_HELP,
    )


class RemoveOverrideForm(Form):
    reason = StringField(_l("Reason"), validators=[DataRequired(), Length(max=MAX_REASON)])


class RegradeForm(Form):
    question_id = SelectField(_l("Question"), validate_choice=True)
    action = SelectField(
        _l("Action"),
        choices=[
            SelectChoice("rekey", _l("Rekey: score against another version (a corrected key)")),
            SelectChoice("neutralise", _l("Neutralise: full points for everyone who had it")),
            SelectChoice("drop", _l("Drop: out of the score and the maximum")),
        ],
    )
    version = IntegerField(
        _l("Version (rekey only; the current one when empty)"),
        validators=[Optional(), NumberRange(min=1, max=2**31 - 1)],
    )
    reason = TextAreaField(
        _l("Reason"),
        validators=[DataRequired(), Length(max=MAX_REASON)],
        description=_REASON_HELP,
    )


class ScanForm(Form):
    """Look for the round's integrity signals (a button; the token is all it holds)."""


class DecisionForm(Form):
    decision = RadioField(
        _l("Decision"),
        choices=[
            SelectChoice("clear", _l("Clear: nothing to hold against these attempts")),
            SelectChoice("disqualify", _l("Disqualify the attempts ticked below")),
        ],
        validators=[DataRequired()],
    )
    attempts = SelectMultipleField(
        _l("Attempts to disqualify"),
        coerce=int,
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )
    reason = TextAreaField(
        _l("Reason"),
        validators=[DataRequired(), Length(max=MAX_REASON)],
        description=_l("A disqualified student reads this reason on their result."),
    )
