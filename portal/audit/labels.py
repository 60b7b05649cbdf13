"""Readable Italian for audit events: what each action code means and each field name is called.

The log stores codes (``person.viewed``, ``tax_code``); the data protection officer reads sentences
("ha visualizzato la scheda", "Codice fiscale"). Msgids are Italian, English lives in the catalogue. An
unknown code is shown as is, so a new event is never hidden — add its label here.
"""
from ..i18n import lazy_gettext as _l
from . import labels_network

ACTION_LABELS = {
    # people
    "person.created": _l("ha registrato la persona"),
    "person.viewed": _l("ha visualizzato la scheda"),
    "person.identity_read": _l("ha letto i dati identificativi"),
    "person.rectified": _l("ha rettificato i dati"),
    "person.linked": _l("ha collegato la persona a un'altra (stessa persona)"),
    "person.duplicate_dismissed": _l("ha escluso che sia la stessa persona di un'altra"),
    "person.searched": _l("ha cercato persone per dati identificativi"),
    "person.accesses_viewed": _l("ha consultato il registro degli accessi della persona"),
    "person.exported": _l("ha esportato i dati della persona (JSON)"),
    "person.exported_html": _l("ha esportato i dati della persona (versione stampabile)"),
    "person.exported_pdf": _l("ha esportato i dati della persona (PDF)"),
    "person.anonymised.erasure_request": _l("ha anonimizzato i dati su richiesta di cancellazione"),
    "person.anonymised.retention": _l("ha anonimizzato i dati alla fine del periodo di conservazione"),
    "data_subject_request.opened": _l("ha registrato una richiesta dell'interessato"),
    "data_subject_request.closed": _l("ha chiuso una richiesta dell'interessato"),
    # referrals
    "referral.created": _l("ha creato la segnalazione"),
    "referral.updated": _l("ha modificato la segnalazione"),
    "referral.read": _l("ha letto la descrizione della segnalazione"),
    "referral.submit": _l("ha inviato la segnalazione al nodo"),
    "referral.resubmit": _l("ha inviato di nuovo la segnalazione con le informazioni richieste"),
    "referral.withdraw": _l("ha ritirato la segnalazione"),
    "referral.request_info": _l("ha chiesto informazioni all'antenna"),
    "referral.accept": _l("ha accolto la segnalazione"),
    "referral.decline": _l("ha respinto la segnalazione"),
    "referral.legal_basis": _l("ha registrato la base giuridica"),
    "referral.outcome": _l("ha aggiornato l'esito comunicato all'antenna"),
    "referral.reminded": _l("promemoria al nodo per la segnalazione in attesa"),
    "referral.attachment_added": _l("ha aggiunto un allegato"),
    "referral.attachment_read": _l("ha scaricato un allegato"),
    "referral.discarded": _l("ha eliminato una bozza mai inviata (importazione annullata)"),
    "person.discarded": _l("ha eliminato una persona presente solo in bozze (importazione annullata)"),
    # bulk import (the batch's counts are on the batch, never the file's content)
    "import.uploaded": _l("ha caricato un file da importare"),
    "import.checked": _l("ha verificato un file da importare"),
    "import.started": _l("ha avviato un'importazione"),
    "import.completed": _l("importazione completata"),
    "import.confirmed": _l("ha confermato un'importazione"),
    "import.undone": _l("ha annullato un'importazione"),
    "import.discarded": _l("ha eliminato un'importazione non eseguita"),
    "import.expired": _l("importazione non eseguita eliminata alla scadenza"),
    "import.interrupted": _l("importazione interrotta chiusa: righe restanti non importate, contenuto del file eliminato"),
    "import.rows_expired": _l("importazione non confermata: contenuto del file eliminato alla scadenza"),
    # cases
    "case.opened": _l("ha aperto la presa in carico"),
    "case.read": _l("ha visualizzato la presa in carico"),
    "case.updated": _l("ha modificato le note interne della presa in carico"),
    "case.assigned": _l("ha assegnato la presa in carico a un case manager"),
    "case.phase_1": _l("ha avviato la fase 1 (inserimento lavorativo)"),
    "case.phase_2": _l("ha avviato la fase 2 (inclusione socio-lavorativa)"),
    "case.closed": _l("ha chiuso la presa in carico"),
    "case.record_read": _l("ha visualizzato la scheda analitica"),
    "case.record_export_csv": _l("ha esportato la scheda in CSV"),
    "case.record_export_pdf": _l("ha esportato la scheda in PDF"),
    "case.letter_generated": _l("ha generato una lettera"),
    "letter_template.saved": _l("ha salvato un modello di lettera"),
    "case.record_export_xlsx": _l("ha esportato la scheda in Excel"),
    "case.document_copied_by_transfer": _l("ha ricevuto un documento con il caso trasferito da un altro nodo"),
    "case_transfer.file_sent": _l("ha inviato un documento al nodo che ha accolto il caso trasferito"),
    "action.created": _l("ha pianificato un'azione del percorso"),
    "action.updated": _l("ha modificato un'azione del percorso"),
    "action.recorded": _l("ha registrato l'erogazione di un'azione"),
    "office_referral.created": _l("ha inviato la persona a un ufficio pubblico per un'azione"),
    "office_referral.updated": _l("ha aggiornato l'invio a un ufficio pubblico"),
    "office_referral.withdrawn": _l("ha ritirato l'invio a un ufficio pubblico"),
    "office_referral.taken": _l("ha registrato la presa in carico da parte dell'ufficio"),
    "verification.planned": _l("ha pianificato una verifica"),
    "verification.recorded": _l("ha registrato una verifica"),
    "identity_grant.created": _l("ha concesso a un soggetto attuatore di vedere i dati identificativi"),
    "identity_grant.revoked": _l("ha revocato a un soggetto attuatore l'accesso ai dati identificativi"),
    # accounts
    "login.success": _l("ha effettuato l'accesso"),
    "login.failure": _l("tentativo di accesso non riuscito"),
    "login.locked": _l("account bloccato dopo troppi tentativi"),
    "logout": _l("è uscito dal portale"),
    "password.changed": _l("ha cambiato la password"),
    "password.reset_requested": _l("ha chiesto di reimpostare la password"),
    "membership.invited": _l("ha invitato un utente"),
    "membership.deactivated": _l("ha disattivato un utente"),
    "membership.accepted": _l("ha accettato un invito"),
    "membership.withdrawn": _l("ha annullato un invito"),
}

# A search hit is an identity read too (for the unusual-access check); it reads differently in the log.
SEARCH_HIT_LABEL = _l("ha trovato la persona con una ricerca per dati identificativi")

OBJECT_LABELS = {
    "person": _l("persona"),
    "referral": _l("segnalazione"),
    "attachment": _l("allegato"),
    "case": _l("presa in carico"),
    "action": _l("azione del percorso"),
    "office_referral": _l("invio a un ufficio pubblico"),
    "verification": _l("verifica"),
    "letter_template": _l("modello di lettera"),
    "data_subject_request": _l("richiesta dell'interessato"),
    "identity_grant": _l("accesso di un soggetto attuatore"),
    "person_search": _l("persone trovate"),
    "import_batch": _l("importazione"),  # a search's object id is its result count
}

FIELD_LABELS = {
    "search": _l("ricerca"),
    # identity and monitoring (each identity and monitoring field: people/labels.py registers its own words)
    "pseudonym": _l("Codice pseudonimo"),
    "identity": _l("Dati identificativi"),
    "monitoring": _l("Dati di monitoraggio"),
    "linked_person_id": _l("Collegamento a un'altra persona"),
    "other_person_id": _l("Altra persona"),
    "anonymised_at": _l("Data di anonimizzazione"),
    # referrals
    "grounds": _l("Motivi di discriminazione"),
    "context": _l("Ambito"),
    "urgency": _l("Urgenza"),
    "situation": _l("Situazione"),
    "needs": _l("Bisogni"),
    "availability": _l("Disponibilità"),
    "consent_notice_version": _l("Versione dell'informativa"),
    "consent_date": _l("Data del consenso"),
    "legal_basis_requested": _l("Consenso non raccoglibile"),
    "legal_basis": _l("Base giuridica"),
    "state": _l("Stato"),
    "message": _l("Messaggio"),
    "outcome_code": _l("Esito comunicato all'antenna"),
    "reminded_at": _l("Data del promemoria"),
    "referrals": _l("Segnalazioni"),
    "filename": _l("Nome del file"),
    "content_type": _l("Tipo di file"),
    "size": _l("Dimensione"),
    "sha256": _l("Impronta del file"),
    "content": _l("Contenuto del file"),
    # cases, actions, verifications
    "cases": _l("Prese in carico"),
    "referral_id": _l("Segnalazione"),
    "case_id": _l("Presa in carico"),
    "case_worker_id": _l("Case manager"),
    "internal_notes": _l("Note interne"),
    "closed_at": _l("Data di chiusura"),
    "closure_outcome": _l("Esito della chiusura"),
    "closure_reason": _l("Motivo della chiusura"),
    "service_type": _l("Tipo di servizio"),
    "phase": _l("Fase"),
    "planned_start": _l("Inizio previsto"),
    "planned_end": _l("Fine prevista"),
    "planned_hours": _l("Ore previste"),
    "notes": _l("Note"),
    "provider_id": _l("Soggetto attuatore"),
    "status": _l("Stato"),
    "delivered_hours": _l("Ore erogate"),
    "delivered_on": _l("Data di erogazione"),
    "outcome": _l("Esito"),
    "due_date": _l("Data prevista"),
    "months_after": _l("Mesi dopo"),
    "done_on": _l("Data della verifica"),
    "job_outcome": _l("Esito lavorativo"),
    "contract_type": _l("Tipo di contratto"),
    "hours_per_week": _l("Ore settimanali"),
    "sector": _l("Settore"),
    "start_date": _l("Data di inizio"),
    "evidence": _l("Documentazione"),
    "still_in_work": _l("Ancora al lavoro"),
    "difficulties": _l("Difficoltà"),
    "support_needed": _l("Supporto necessario"),
    "person_id": _l("Persona"),
    "reason": _l("Motivazione"),
    "revoke_reason": _l("Motivo della revoca"),
    "revoked_at": _l("Data della revoca"),
    "revoked_by_id": _l("Revocato da"),
    # data-subject requests
    "kind": _l("Tipo di richiesta"),
    "reference": _l("Riferimento"),
    "accesses": _l("Registro degli accessi"),
    "attachments": _l("Allegati"),
}

# The network's work around the cases (security, budget, forum, governance, ...) has its own module.
for _table, _more in ((ACTION_LABELS, labels_network.ACTIONS), (OBJECT_LABELS, labels_network.OBJECTS),
                      (FIELD_LABELS, labels_network.FIELDS)):
    for _code, _label in _more.items():
        _table.setdefault(_code, _label)


def action_label(action: str, fields=()) -> str:
    if action == "person.identity_read" and "search" in (fields or ()):
        return SEARCH_HIT_LABEL
    label = ACTION_LABELS.get(action)
    return str(label) if label is not None else action


def field_label(name: str) -> str:
    """``referral.situation`` (anonymisation lists) reads "Segnalazione: Situazione"."""
    if "." in name:
        prefix, _, rest = name.partition(".")
        obj, field = OBJECT_LABELS.get(prefix), FIELD_LABELS.get(rest)
        if obj is not None and field is not None:
            return f"{str(obj).capitalize()}: {field}"
        if obj is not None and rest == "attachments":
            return f"{str(obj).capitalize()}: {FIELD_LABELS['attachments']}"
    label = FIELD_LABELS.get(name)
    return str(label) if label is not None else name


def field_labels(names, skip=("search",)) -> list[str]:
    return [field_label(name) for name in (names or []) if name not in skip]


def object_label(object_type: str | None) -> str:
    label = OBJECT_LABELS.get(object_type or "")
    return str(label) if label is not None else (object_type or "")
