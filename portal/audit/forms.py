from wtforms import DateField, StringField
from wtforms.validators import Length, Optional

from ..core.forms import PortalForm
from ..i18n import lazy_gettext as _l


class AuditFilterForm(PortalForm):
    actor = StringField(_l("Utente (e-mail)"), validators=[Optional(), Length(max=254)])
    action = StringField(_l("Azione"), validators=[Optional(), Length(max=60)])
    object_type = StringField(_l("Tipo di oggetto"), validators=[Optional(), Length(max=60)])
    object_id = StringField(_l("Identificativo"), validators=[Optional(), Length(max=60)])
    since = DateField(_l("Dal"), validators=[Optional()])
    until = DateField(_l("Al"), validators=[Optional()])
