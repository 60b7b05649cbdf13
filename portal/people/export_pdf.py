"""The art. 15 export as a PDF (fpdf2, no network, no system libraries): the same data and labels as the
printable page, laid out as headings, label-value lines and lists. The interface font (Titillium Web,
latin-ext, shipped in static/vendor) is embedded, so names such as "Łukasz" or "Ștefan" print as typed."""
from flask_babel import gettext as _

from ..core.pdf import Document


def render(data: dict, labels: dict) -> bytes:
    when, person = labels["when"], data["person"]
    doc = Document(_("I dati personali che trattiamo su di lei"))
    doc.heading(_("I dati personali che trattiamo su di lei"), 16)
    reference = data["data_subject_request"].get("reference")
    doc.text(_("Risposta alla richiesta di accesso (art. 15 del Regolamento UE 2016/679)")
             + (", " + _("riferimento %(ref)s", ref=reference) if reference else "") + ". "
             + _("Documento generato il %(when)s.", when=when(data["generated_at"])))
    doc.heading(_("Chi tratta i dati e perché"))
    doc.text(_("Il nodo provinciale contro le discriminazioni tratta questi dati per prenderla in carico e accompagnarla in un percorso personalizzato, su segnalazione di un’antenna della rete. Li vedono, solo quando serve, l’antenna che l’ha segnalata, il personale del nodo che segue il suo caso e, se autorizzati, i soggetti attuatori dei servizi. I dati sono conservati per %(years)s anni dalla chiusura del percorso. Può chiederne la rettifica o la cancellazione e proporre reclamo al Garante per la protezione dei dati personali.", years=labels["retention_years"]))  # noqa: E501
    doc.heading(_("Dati identificativi"))
    doc.pair(_("Codice pseudonimo"), person["pseudonym"])
    for field, label in labels["IDENTITY_LABELS"].items():
        doc.pair(label, (person["identity"] or {}).get(field))
    doc.pair(_("Registrata il"), when(person["created_at"], time=False))
    doc.heading(_("Dati di monitoraggio"))
    for field, value in person["monitoring"].items():
        doc.pair(labels["FIELD_NAMES"][field], labels["MONITORING_LABELS"][field].get(value) if value is not None else None)
    doc.heading(_("Segnalazioni"))
    for r in data["referrals"] or []:
        doc.heading(_("Segnalazione di %(antenna)s", antenna=r["antenna"]), 11)
        doc.pair(_("Stato"), labels["REFERRAL_STATE_LABELS"].get(r["state"], r["state"]))
        doc.pair(_("Motivi di discriminazione"), ", ".join(str(labels["GROUND_LABELS"].get(g, g)) for g in r["grounds"]))
        doc.pair(_("Ambito"), labels["CONTEXT_LABELS"].get(r["context"]) if r["context"] else None)
        doc.pair(_("La situazione"), r["situation"])
        doc.pair(_("Bisogni della persona"), r["needs"])
        doc.pair(_("Disponibilità"), r["availability"])
        doc.pair(_("Inviata al nodo il"), when(r["submitted_at"]))
        for e in r["events"]:
            doc.text(f"{when(e['at'])} — {labels['REFERRAL_STATE_LABELS'].get(e['to_state'], e['to_state'])}"
                     + (f": {e['message']}" if e["message"] else ""))
        doc.pair(_("Allegati"), "; ".join(
            f"{a['filename']} ({when(a['uploaded_at'], time=False)}, {labels['filesize'](a['size'])})" for a in r["attachments"]
        ) or _("Nessun allegato."))
    doc.heading(_("Prese in carico"))
    for c in data["cases"] or []:
        doc.heading(_("Presa in carico dal %(date)s", date=when(c["opened_at"], time=False)), 11)
        doc.pair(_("Stato"), labels["CASE_STATE_LABELS"].get(c["state"], c["state"]))
        for entry in c["diary"]:
            doc.pair(_("Diario del caso") + " – " + when(entry["written_at"]), entry["text"])
        for a in c["actions"]:
            doc.text(f"{labels['SERVICE_TYPE_LABELS'].get(a['service_type'], a['service_type'])} – "
                     f"{labels['ACTION_STATUS_LABELS'].get(a['status'], a['status'])}, {a['provider'] or ''} "
                     f"({when(a['planned_start'])}) {labels['hours'](a['planned_hours'])} / {labels['hours'](a['delivered_hours'])}")
    doc.heading(_("Chi ha avuto accesso ai suoi dati"))
    for a in data["accesses"]:
        line = f"{when(a['at'])} – {a['user'] or _('procedura automatica')}"
        line += f" ({a['organisation']})" if a["organisation"] else ""
        line += f": {a['description']}" + (f" – {a['object']}" if a["object"] else "")
        line += f" ({_('%(count)s volte in un minuto', count=a['count'])})" if a["count"] > 1 else ""
        doc.text(line + (f". {', '.join(a['field_labels'])}" if a["field_labels"] else ""))
    return doc.bytes()
