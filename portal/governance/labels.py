"""Italian labels of the network groups (msgids; English in the catalogue)."""
from ..i18n import lazy_gettext as _l
from .models import GroupKind

GROUP_KIND_LABELS = {
    GroupKind.STEERING_GROUP: _l("Cabina di regia"),
    GroupKind.SIGNATORIES: _l("Sottoscrittori del protocollo d'intesa"),
    GroupKind.OTHER: _l("Altro gruppo di lavoro"),
}
