"""Display labels of the network package's codes."""
from ..i18n import lazy_gettext as _l
from .models import ApplicationStatus as S

STATUS_LABELS = {
    S.SUBMITTED: _l("Inviata"),
    S.CHANGES_REQUESTED: _l("Modifiche richieste"),
    S.ACCEPTED: _l("Accettata"),
    S.REJECTED: _l("Respinta"),
}
