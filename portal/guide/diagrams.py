"""State diagrams of a referral and of a case, built from the state machines so they cannot drift."""
from dataclasses import dataclass

from ..cases.labels import CASE_STATE_LABELS
from ..cases.models import CaseState
from ..i18n import lazy_gettext as _l
from ..referrals.labels import STATE_LABELS
from ..referrals.models import ReferralState
from ..referrals.services import TRANSITIONS

ACTION_LABELS = {
    "submit": _l("l'antenna invia la segnalazione al nodo"),
    "resubmit": _l("l'antenna completa le informazioni e la invia di nuovo"),
    "withdraw": _l("l'antenna ritira la segnalazione"),
    "request_info": _l("il nodo chiede altre informazioni all'antenna"),
    "accept": _l("il nodo prende in carico la persona e apre un caso"),
    "decline": _l("il nodo non accoglie la segnalazione e ne indica il motivo"),
    "start_phase_1": _l("il case manager avvia la fase 1 (inserimento lavorativo)"),
    "start_phase_2": _l("registrato l'esito della verifica di fase 1, il case manager avvia la fase 2"),
    "close": _l("il case manager chiude il caso con un esito"),
    "transfer": _l("un altro nodo della regione accoglie il trasferimento proposto dal coordinatore"),
}


@dataclass(frozen=True)
class Step:
    source: str
    target: str
    action: str


@dataclass(frozen=True)
class Diagram:
    key: str
    title: str
    labels: dict
    columns: tuple  # states drawn left to right; states in one column are alternatives
    steps: tuple

    def label(self, state) -> str:
        return self.labels[state]

    def is_final(self, state) -> bool:
        return not any(step.source == state for step in self.steps)

    def final_labels(self) -> str:
        return ", ".join(f"«{self.labels[state]}»" for column in self.columns for state in column if self.is_final(state))


def referral_diagram() -> Diagram:
    s = ReferralState
    columns = ((s.DRAFT,), (s.SUBMITTED, s.INFO_REQUESTED), (s.ACCEPTED, s.DECLINED, s.WITHDRAWN))
    order = [state for column in columns for state in column]
    steps = [Step(source, t.target, ACTION_LABELS[t.name]) for t in TRANSITIONS.values() for source in t.sources]
    # Listed in the order of the drawing: by source, then by target, left to right and top to bottom.
    steps.sort(key=lambda step: (order.index(step.source), order.index(step.target)))
    return Diagram("segnalazione", _l("Gli stati di una segnalazione"), STATE_LABELS, columns, tuple(steps))


def case_diagram() -> Diagram:
    s = CaseState
    # Mirrors cases.services.allowed_transitions: phase 2 needs phase 1's outcome; any open state may close.
    steps = (
        Step(s.OPEN, s.PHASE_1, ACTION_LABELS["start_phase_1"]),
        Step(s.PHASE_1, s.PHASE_2, ACTION_LABELS["start_phase_2"]),
        *(Step(state, s.CLOSED, ACTION_LABELS["close"]) for state in (s.OPEN, s.PHASE_1, s.PHASE_2)),
        # cases.transfers: a pending proposal changes no state; the other node's acceptance does.
        *(Step(state, s.TRANSFERRED, ACTION_LABELS["transfer"]) for state in (s.OPEN, s.PHASE_1, s.PHASE_2)),
    )
    return Diagram(
        "caso", _l("Gli stati di un caso"), CASE_STATE_LABELS,
        ((s.OPEN,), (s.PHASE_1,), (s.PHASE_2,), (s.CLOSED, s.TRANSFERRED)), steps,
    )


DIAGRAMS = {"segnalazione": referral_diagram, "caso": case_diagram}
