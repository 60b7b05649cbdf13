"""Italian labels of roles (msgids; English in the catalogue)."""
from ..i18n import lazy_gettext as _l
from .models import Role

ROLE_LABELS = {
    Role.ANTENNA_OPERATOR: _l("Operatore/operatrice di antenna"),
    Role.ANTENNA_ADMIN: _l("Amministratore/amministratrice di antenna"),
    Role.CASE_WORKER: _l("Case manager del nodo"),
    Role.COORDINATOR: _l("Coordinatore/coordinatrice del nodo"),
    Role.BUDGET_OFFICER: _l("Responsabile del budget"),
    Role.DATA_PROTECTION_OFFICER: _l("Responsabile protezione dati (RPD)"),
    Role.PROVIDER_USER: _l("Operatore/operatrice del soggetto attuatore"),
    Role.SYSTEM_ADMIN: _l("Amministratore/amministratrice di sistema"),
    Role.REGIONAL_COORDINATOR: _l("Coordinatore/coordinatrice del centro regionale"),
    Role.REGIONAL_ANALYST: _l("Analista del centro regionale"),
    Role.REGIONAL_DPO: _l("Responsabile protezione dati (RPD) del centro regionale"),
}
