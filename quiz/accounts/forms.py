"""Account forms. Formats are checked here; the rules live in services."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional

from quiz.forms import Form
from quiz.i18n import LOCALE_NAMES


class LoginForm(Form):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=256)])
    remember = BooleanField(_l("Remember me on this device"))


class RegistrationForm(Form):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Email(), Length(max=254)])
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(), Length(min=10, max=256)],
        description=_l("At least 10 characters; not a common password."),
    )
    full_name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=120)])
    display_name = StringField(
        _l("Display name on public leaderboards"),
        validators=[Optional(), Length(max=60)],
        description=_l("Leave empty to show your given name and family-name initial."),
    )
    university_code = SelectField(
        _l("University or college"), validators=[DataRequired()], validate_choice=False
    )
    student_number = StringField(
        _l("Student number (optional)"), validators=[Optional(), Length(max=32)]
    )
    accept_rules = BooleanField(
        _l("I accept the contest rules and the privacy notice."), validators=[DataRequired()]
    )


class PasswordChangeForm(Form):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired()])
    new_password = PasswordField(
        _l("New password"), validators=[DataRequired(), Length(min=10, max=256)]
    )
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(), EqualTo("new_password", _l("The two passwords differ."))],
    )


class ProfileForm(Form):
    display_name = StringField(
        _l("Display name on public leaderboards"), validators=[DataRequired(), Length(max=60)]
    )
    student_number = StringField(
        _l("Student number (optional)"), validators=[Optional(), Length(max=32)]
    )
    locale = SelectField(
        _l("Language"),
        choices=[SelectChoice(code, name) for code, name in LOCALE_NAMES.items()],
    )


class SetPasswordForm(Form):
    new_password = PasswordField(
        _l("New password"), validators=[DataRequired(), Length(min=10, max=256)]
    )
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(), EqualTo("new_password", _l("The two passwords differ."))],
    )


class ForgotPasswordForm(Form):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Email(), Length(max=254)])
