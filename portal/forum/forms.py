"""Forum forms. Post bodies are Markdown. Contacts found in a post are confirmed one by one with ``confirm``
checkboxes the page adds (their values are ``privacy.Finding.key``), read by the views."""
from flask_wtf.file import MultipleFileField
from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from ..core.fields import OptionalChoice, SubmissionKeyField
from ..core.forms import PortalForm
from ..i18n import lazy_gettext as _l
from ..referrals.labels import GROUND_LABELS
from .labels import MODE_LABELS, PRACTICE_LABELS
from .models import PRACTICE_FIELDS

BODY_HELP = _l("Puoi usare Markdown (grassetto, elenchi, link). Non scrivere dati di persone seguite: nomi, codici fiscali, codici pseudonimo, telefoni, e-mail.")
FILES_LABEL = _l("Allegati (facoltativi)")


def _grounds():
    return [("", _l("Nessuno in particolare"))] + [(k.value, v) for k, v in GROUND_LABELS.items()]


class ThreadForm(PortalForm):
    category = SelectField(_l("Categoria"), validators=[DataRequired()])
    title = StringField(_l("Titolo"), validators=[DataRequired(), Length(max=200)])
    body = TextAreaField(_l("Testo"), validators=[DataRequired(), Length(max=20000)])
    files = MultipleFileField(FILES_LABEL)
    pending = HiddenField()  # ids of files already checked and stored, waiting for this post
    submission_key = SubmissionKeyField()  # kept on the thread: the same form posted again publishes nothing more


class PracticeForm(ThreadForm):
    ground = SelectField(_l("Motivo di discriminazione"), choices=_grounds(), validators=[OptionalChoice()])
    problem = TextAreaField(PRACTICE_LABELS["problem"], validators=[DataRequired(), Length(max=5000)])
    target_group = TextAreaField(PRACTICE_LABELS["target_group"], validators=[DataRequired(), Length(max=2000)])
    intervention = TextAreaField(PRACTICE_LABELS["intervention"], validators=[DataRequired(), Length(max=5000)])
    partners = TextAreaField(PRACTICE_LABELS["partners"], validators=[Optional(), Length(max=2000)])
    resources = TextAreaField(PRACTICE_LABELS["resources"], validators=[Optional(), Length(max=2000)])
    results = TextAreaField(PRACTICE_LABELS["results"], validators=[Optional(), Length(max=5000)])
    contacts = TextAreaField(PRACTICE_LABELS["contacts"], validators=[Optional(), Length(max=1000)])
    # The card's free text: named as the page shows it, so the error summary's link says the same.
    body = TextAreaField(_l("Descrizione"), validators=[DataRequired(), Length(max=20000)])

    def practice(self) -> dict:
        return {name: (getattr(self, name).data or "").strip() for name in PRACTICE_FIELDS}


class PostForm(PortalForm):
    body = TextAreaField(_l("Risposta"), validators=[DataRequired(), Length(max=20000)])
    files = MultipleFileField(FILES_LABEL)
    pending = HiddenField()
    submission_key = SubmissionKeyField()  # kept on the reply: the same form posted again publishes nothing more


class PostEditForm(PortalForm):
    """The author's correction of a post; ``version`` is the post's as the page showed it."""

    version = HiddenField()
    body = TextAreaField(_l("Testo"), validators=[DataRequired(), Length(max=20000)])


class ReportForm(PortalForm):
    reason = StringField(_l("Motivo della segnalazione"), validators=[DataRequired(), Length(max=500)])


class SubscribeForm(PortalForm):
    thread_id = HiddenField()
    category_id = HiddenField()
    mode = SelectField(_l("Come ricevere gli avvisi"), choices=[(k.value, v) for k, v in MODE_LABELS.items()],
                       default="immediate")
    action = HiddenField(default="subscribe")


class SearchForm(PortalForm):
    class Meta:
        csrf = False

    q = StringField(_l("Cerca nel forum"), validators=[Optional(), Length(max=200)])


class PracticeFilterForm(PortalForm):
    class Meta:
        csrf = False

    motivo = SelectField(_l("Motivo di discriminazione"), choices=[("", _l("Tutti"))] + _grounds()[1:], validators=[OptionalChoice()])
    categoria = SelectField(_l("Categoria"), validators=[OptionalChoice()])
