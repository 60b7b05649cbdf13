"""The grounds of discrimination: the network's one code list that every layer names — a referral's grounds,
the information points' and the directory's specialisms, the forum's practices, the monitoring. Kept here,
below them all, so the directory (beneath referrals) reads it without reaching up."""
from ..i18n import lazy_gettext as _l
from ..models_base import LabelledEnum


class Ground(LabelledEnum):
    ETHNICITY = "ethnicity", _l("Origine etnica")
    AGE = "age", _l("Età")
    RELIGION = "religion", _l("Religione o convinzioni personali")
    DISABILITY = "disability", _l("Disabilità")
    GENDER = "gender", _l("Genere")
    SEXUAL_ORIENTATION = "sexual_orientation", _l("Orientamento sessuale")
    OTHER = "other", _l("Altro / intersezionale")


GROUND_LABELS = Ground.labels()
