from wtforms import StringField
from wtforms.validators import Length, Optional

from ..core.fields import PlausibleDateField
from ..core.forms import PortalForm
from ..i18n import lazy_gettext as _l


class AuditFilterForm(PortalForm):
    actor = StringField(_l("Utente (e-mail)"), validators=[Optional(), Length(max=254)])
    action = StringField(_l("Azione"), validators=[Optional(), Length(max=60)])
    object_type = StringField(_l("Tipo di oggetto"), validators=[Optional(), Length(max=60)])
    object_id = StringField(_l("Identificativo"), validators=[Optional(), Length(max=60)])
    # Days of the work: "0001-01-01" in the address is refused on its field (it was a 500 turned into a moment).
    since = PlausibleDateField(_l("Dal"), validators=[Optional()])
    until = PlausibleDateField(_l("Al"), validators=[Optional()])
