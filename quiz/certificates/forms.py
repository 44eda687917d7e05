"""Forms of the certificates pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from quiz.forms import Form
from quiz.results.services import REASON_MAX_CHARS


class IssueForm(Form):
    """Issue a scope's certificates (a button; the token is all it holds)."""


class RevokeForm(Form):
    code = StringField(
        _l("Certificate code"),
        validators=[DataRequired(), Length(max=32)],
        description=_l("As printed on the certificate, e.g. ABCD-2345-WXYZ."),
    )
    reason = TextAreaField(
        _l("Reason for revoking"),
        validators=[DataRequired(), Length(max=REASON_MAX_CHARS)],
        description=_l("Kept for organisers; the verification page says only that it was revoked."),
    )
