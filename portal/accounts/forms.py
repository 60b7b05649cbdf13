"""Account forms. Labels are Italian msgids; English lives in the catalogue."""
from wtforms import EmailField, HiddenField, PasswordField, RadioField, SelectField, StringField
from wtforms.validators import AnyOf, DataRequired, Email, EqualTo, Length, Optional, ValidationError

from ..core.fields import VersionField
from ..core.forms import PortalForm
from ..i18n import lazy_gettext as _l
from .passwords import policy_problems


class LoginForm(PortalForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Email(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])
    next = HiddenField()


class ChooseTenantForm(PortalForm):
    membership = RadioField(_l("Organizzazione"), coerce=int, validators=[DataRequired()])
    next = HiddenField()


class ForgotPasswordForm(PortalForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Email(), Length(max=254)])


class NewPasswordForm(PortalForm):
    password = PasswordField(_l("Nuova password"), validators=[DataRequired(), Length(max=200)])
    confirm = PasswordField(
        _l("Ripeti la nuova password"),
        validators=[DataRequired(), EqualTo("password", message=_l("Le due password non coincidono."))],
    )

    def __init__(self, *args, email: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self._email = email

    def validate_password(self, field):
        problems = policy_problems(field.data or "", self._email)
        if problems:
            raise ValidationError(" ".join(str(p) for p in problems))


class ChangePasswordForm(NewPasswordForm):
    current = PasswordField(_l("Password attuale"), validators=[DataRequired()])

    def validate_password(self, field):
        super().validate_password(field)
        # A change that keeps the password would end the other sessions and change nothing a thief knows.
        if field.data and field.data == self.current.data:
            raise ValidationError(_l("La nuova password deve essere diversa da quella attuale."))


class InviteForm(PortalForm):
    full_name = StringField(_l("Nome e cognome"), validators=[DataRequired(), Length(max=200)])
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Email(), Length(max=254)])
    role = SelectField(_l("Ruolo"), validators=[DataRequired()])


class ActionForm(PortalForm):
    """A button that only needs the CSRF token."""


class VersionedActionForm(PortalForm):
    """A button that changes one row: carries the version it was rendered with."""

    version = VersionField()


class CodeForm(PortalForm):
    """A six-digit code from the authenticator app, or a recovery code (spaces and dashes tolerated)."""

    code = StringField(_l("Codice di verifica"), validators=[DataRequired(), Length(max=40)])


class PasswordConfirmForm(PortalForm):
    """Confirms a sensitive step (new recovery codes) on a page that has another current-password field."""

    password = PasswordField(_l("La tua password"), validators=[DataRequired(), Length(max=200)])


class DisableSecondFactorForm(CodeForm):
    password = PasswordField(_l("Password attuale"), validators=[DataRequired(), Length(max=200)])


class FiscalCodeForm(PortalForm):
    """The codice fiscale a SPID/CIE sign-in is matched to (empty: sign-in with the digital identity off)."""

    fiscal_code = StringField(_l("Codice fiscale"), validators=[Optional(), Length(max=40)])

    def validate_fiscal_code(self, field):
        from .identity import normalise_fiscal_code, valid_fiscal_code

        code = normalise_fiscal_code(field.data)
        if code is not None and not valid_fiscal_code(code):
            raise ValidationError(_l("Il codice fiscale non è valido: controlla i 16 caratteri."))


class PasswordSignInForm(PortalForm):
    disabled = HiddenField(validators=[DataRequired(), AnyOf(["0", "1"])])
