"""Italian labels of tenant kinds (msgids; English in the catalogue)."""
from ..i18n import lazy_gettext as _l
from .models import TenantKind as K

KIND_LABELS = {
    K.NODE: _l("Nodo provinciale contro le discriminazioni"),
    K.MUNICIPALITY: _l("Comune"),
    K.SOCIAL_CONSORTIUM: _l("Consorzio socio-assistenziale"),
    K.HEALTH_AUTHORITY: _l("Azienda sanitaria locale"),
    K.HOSPITAL: _l("Azienda ospedaliera"),
    K.COURT: _l("Tribunale"),
    K.PROSECUTOR: _l("Procura della Repubblica"),
    K.POLICE: _l("Questura"),
    K.PRISON_ADMINISTRATION: _l("Amministrazione penitenziaria"),
    K.PREFECTURE: _l("Prefettura"),
    K.PROFESSIONAL_ORDER: _l("Ordine professionale"),
    K.ASSOCIATION: _l("Associazione"),
    K.EQUALITY_ADVISOR: _l("Consigliera di parità"),
    K.SCHOOL: _l("Ufficio scolastico"),
    K.UNIVERSITY: _l("Università"),
    K.CHAMBER_OF_COMMERCE: _l("Camera di commercio"),
    K.EMPLOYERS_ASSOCIATION: _l("Associazione di imprese"),
    K.SERVICE_PROVIDER: _l("Soggetto attuatore"),
    K.EMPLOYMENT_CENTRE: _l("Centro per l'impiego"),
    K.EDUCATION_GUIDANCE_OFFICE: _l("Ufficio istruzione e orientamento"),
    K.LABOUR_OFFICE: _l("Ufficio lavoro"),
    K.REGIONAL_CENTRE: _l("Centro regionale contro le discriminazioni"),
}
