"""Forms of the organisers' screens."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import EmailField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length, Optional

from quiz.forms import Form


class CreateUserForm(Form):
    role = SelectField(
        _l("Role"),
        choices=[
            SelectChoice("coordinator", _l("Coordinator")),
            SelectChoice("organiser", _l("Organiser")),
        ],
    )
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Email(), Length(max=254)])
    full_name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=120)])
    university_code = SelectField(
        _l("University (coordinators only)"), validators=[Optional()], validate_choice=False
    )


class RosterImportForm(Form):
    roster = FileField(_l("Roster (CSV, UTF-8)"), validators=[FileRequired()])
