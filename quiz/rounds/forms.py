"""The organisers' round form, with its blueprint editor."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    FieldList,
    FormField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from quiz.bank.forms import DIFFICULTY_LABELS
from quiz.bank.schema import LOCALES
from quiz.forms import Form, SubForm
from quiz.rounds.services import PREDICTION_FULL_MARKS, BlueprintLine, RoundData

LOCAL_FORMAT = "%Y-%m-%dT%H:%M"
REVIEW_LABELS = {
    "after_close": _l("After the round closes and its last save instant passes"),
    "immediately": _l("As soon as the student finishes (practice rounds only)"),
    "never": _l("Never"),
}
ROUND_STATUS_LABELS = {
    "upcoming": _l("Upcoming"),
    "open": _l("Open"),
    "closed": _l("Closed"),
}
ATTEMPT_POLICY_LABELS = {"best": _l("Best attempt counts"), "last": _l("Last attempt counts")}
MC_POLICY_LABELS = {
    "all_or_nothing": _l("All or nothing"),
    "partial": _l("Partial credit"),
}


def _choices(labels: dict) -> list[SelectChoice]:
    return [SelectChoice(k, v) for k, v in labels.items()]


def contest_zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])


def to_utc(local: datetime | None) -> datetime | None:
    """A time typed in the contest's time zone, as a UTC instant."""
    if local is None:
        return None
    return local.replace(tzinfo=contest_zone()).astimezone(UTC)


def within_the_contest_era(_form: object, field: object) -> None:
    """A time between the years 2000 and 2999 (the calendar and the database hold it)."""
    value = getattr(field, "data", None)
    if value is not None and not 2000 <= value.year <= 2999:
        raise ValidationError(_l("Enter a date between the years 2000 and 2999."))


def to_local(instant: datetime | None) -> datetime | None:
    if instant is None:
        return None
    return instant.astimezone(contest_zone()).replace(tzinfo=None)


class BlueprintLineForm(SubForm):
    topic = SelectField(_l("Topic"), validate_choice=False)
    difficulty = SelectField(
        _l("Difficulty"),
        choices=[SelectChoice("", _l("Any")), *_choices(DIFFICULTY_LABELS)],
        validate_choice=False,
    )
    count = IntegerField(
        _l("Questions"), default=1, validators=[InputRequired(), NumberRange(min=1, max=200)]
    )


class RoundForm(Form):
    title_vi = StringField(_l("Title in Vietnamese"), validators=[DataRequired(), Length(max=200)])
    title_en = StringField(_l("Title in English"), validators=[Optional(), Length(max=200)])
    title_fr = StringField(_l("Title in French"), validators=[Optional(), Length(max=200)])
    opens_at = DateTimeLocalField(
        _l("Opens at"), format=LOCAL_FORMAT, validators=[InputRequired(), within_the_contest_era]
    )
    closes_at = DateTimeLocalField(
        _l("Closes at"), format=LOCAL_FORMAT, validators=[InputRequired(), within_the_contest_era]
    )
    time_limit_minutes = IntegerField(
        _l("Time limit (minutes)"),
        default=15,
        validators=[InputRequired(), NumberRange(min=1, max=1440)],
        description=_l("From each student's start; never beyond the closing time."),
    )
    grace_seconds = IntegerField(
        _l("Grace for late saves (seconds)"),
        default=10,
        validators=[InputRequired(), NumberRange(min=0, max=600)],
    )
    max_attempts = IntegerField(
        _l("Attempts allowed"), default=1, validators=[InputRequired(), NumberRange(min=1, max=100)]
    )
    attempt_policy = SelectField(
        _l("Which attempt counts"), choices=_choices(ATTEMPT_POLICY_LABELS)
    )
    multiple_choice_policy = SelectField(
        _l("Multiple-answer questions"), choices=_choices(MC_POLICY_LABELS)
    )
    review = SelectField(_l("Correct answers shown"), choices=_choices(REVIEW_LABELS))
    kind = SelectField(
        _l("Kind of round"),
        choices=[
            SelectChoice("ranked", _l("Ranked: counts in every standing")),
            SelectChoice("practice", _l("Practice: scored for the student, in no standing")),
        ],
        default="ranked",
        validate_choice=False,
    )
    leaderboard_freeze_at = DateTimeLocalField(
        _l("Freeze public leaderboards at (optional)"),
        format=LOCAL_FORMAT,
        validators=[Optional(), within_the_contest_era],
    )
    prediction_vi = TextAreaField(
        _l("Prediction question in Vietnamese (optional)"), validators=[Optional(), Length(max=500)]
    )
    prediction_en = TextAreaField(
        _l("Prediction question in English"), validators=[Optional(), Length(max=500)]
    )
    prediction_fr = TextAreaField(
        _l("Prediction question in French"), validators=[Optional(), Length(max=500)]
    )
    prediction_counted = BooleanField(
        _l("The question asks how many entries score full marks: the platform counts the answer"),
    )
    blueprint = FieldList(FormField(BlueprintLineForm), min_entries=1, max_entries=50)

    def set_topics(self, topics: list[tuple[str, str]]) -> None:
        """The topics to choose from: (slug, name in the reader's language)."""
        for entry in self.blueprint:
            entry.form.topic.choices = [
                SelectChoice("", _l("Any")),
                *[SelectChoice(slug, name) for slug, name in topics],
            ]

    def lines(self) -> list[BlueprintLine]:
        return [
            BlueprintLine(
                int(e.form.count.data or 0),
                e.form.topic.data or None,
                e.form.difficulty.data or None,
            )
            for e in self.blueprint
        ]

    def to_data(self) -> RoundData:
        title = {loc: (getattr(self, f"title_{loc}").data or "").strip() for loc in LOCALES}
        prediction = {
            loc: (getattr(self, f"prediction_{loc}").data or "").strip() for loc in LOCALES
        }
        return RoundData(
            title={k: v for k, v in title.items() if v},
            opens_at=to_utc(self.opens_at.data),
            closes_at=to_utc(self.closes_at.data),
            time_limit_seconds=int(self.time_limit_minutes.data) * 60,
            blueprint=self.lines(),
            grace_seconds=int(self.grace_seconds.data),
            max_attempts=int(self.max_attempts.data),
            attempt_policy=self.attempt_policy.data,
            multiple_choice_policy=self.multiple_choice_policy.data,
            review=self.review.data,
            leaderboard_freeze_at=to_utc(self.leaderboard_freeze_at.data),
            prediction_text={k: v for k, v in prediction.items() if v} or None,
            prediction_counts=PREDICTION_FULL_MARKS if self.prediction_counted.data else None,
            ranked=self.kind.data != "practice",
        )

    def fill(self, data: RoundData) -> None:
        for loc in LOCALES:
            getattr(self, f"title_{loc}").data = data.title.get(loc, "")
            getattr(self, f"prediction_{loc}").data = (data.prediction_text or {}).get(loc, "")
        self.prediction_counted.data = data.prediction_counts == PREDICTION_FULL_MARKS
        self.opens_at.data = to_local(data.opens_at)
        self.closes_at.data = to_local(data.closes_at)
        # A round made through the API may have a limit in seconds: shown rounded up.
        self.time_limit_minutes.data = -(-data.time_limit_seconds // 60)
        self.grace_seconds.data = data.grace_seconds
        self.max_attempts.data = data.max_attempts
        self.attempt_policy.data = data.attempt_policy
        self.multiple_choice_policy.data = data.multiple_choice_policy
        self.review.data = data.review
        self.kind.data = "ranked" if data.ranked else "practice"
        self.leaderboard_freeze_at.data = to_local(data.leaderboard_freeze_at)
        while len(self.blueprint.entries):
            self.blueprint.pop_entry()
        for line in data.blueprint:
            self.blueprint.append_entry(
                {
                    "topic": line.topic or "",
                    "difficulty": line.difficulty or "",
                    "count": line.count,
                }
            )
