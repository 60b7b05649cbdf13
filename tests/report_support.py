"""Public reports in tests: submit one through the real form, open it with its code."""
import io
import re
import time

from portal.reports import abuse

from .helpers import csrf_from

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
WHAT = "Al colloquio mi hanno detto che non assumono persone col velo. SEGRETO-SEGNALAZIONE-4411"
CODE_RE = re.compile(r'class="rete-receipt-code"[^>]*>([\d ]+)<')


def report_form(**over) -> dict:
    data = {
        "issued": abuse.form_token(time.time() - 30), "website": "", "reporter_kind": "victim", "what": WHAT,
        "municipality_code": "F952", "context": "work", "occurred_on": "2026-11-20",
        "grounds": ["religion", "gender"], "consent": "y",
    }
    data.update(over)
    return {k: v for k, v in data.items() if v is not None}


def submit(client, lang: str = "it", files=(), **over):
    """POST the form (after GETting it for the CSRF token); returns (response, receipt code or None)."""
    page = client.get(f"/segnala/modulo?lingua={lang}").get_data(as_text=True)
    data = {**report_form(**over), "csrf_token": csrf_from(page), "lingua": lang}
    if files:
        data["files"] = [(io.BytesIO(content), name) for name, content in files]
    response = client.post("/segnala/modulo", data=data, content_type="multipart/form-data")
    match = CODE_RE.search(response.get_data(as_text=True))
    return response, match.group(1).replace(" ", "") if match else None


def open_report(client, code: str):
    page = client.get("/segnala/segue").get_data(as_text=True)
    return client.post("/segnala/segue", data={"code": code, "csrf_token": csrf_from(page)})


def victim_report(net):
    """A report owned by node n1, with the victim's name and a file (created once per network)."""
    existing = getattr(net, "_public_report_ids", None)
    if existing:
        return existing
    import os

    from flask import current_app

    from portal.extensions import db
    from portal.reports import receipt
    from portal.reports.models import MessageAuthor, PublicReport, PublicReportFile, ReporterKind
    from portal.tenancy import context

    from .network import VICTIM_FIRST_NAME, VICTIM_LAST_NAME

    n1 = net.tenants["n1"].id
    with context.acting_as(n1):
        report = PublicReport(tenant_id=n1, code_hash=receipt.hash_code(receipt.new_code()),
                              reporter_kind=ReporterKind.VICTIM, context="work", grounds=["age"],
                              wants_contact=True, consent_notice_version="2026-12", language="it")
        report.what = "VITTIMA-SEGRETO-7731"
        report.name = f"{VICTIM_FIRST_NAME} {VICTIM_LAST_NAME}"
        db.session.add(report)
        db.session.flush()
        directory = os.path.join(current_app.config["ATTACHMENT_DIR"], "public-reports")
        os.makedirs(directory, exist_ok=True)
        with open(os.path.join(directory, f"isolation-{report.id}"), "wb") as out:
            out.write(PDF)
        item = PublicReportFile(report_id=report.id, tenant_id=n1, author=MessageAuthor.REPORTER, filename="v.pdf",
                                content_type="application/pdf", size=len(PDF), storage_key=f"isolation-{report.id}",
                                sha256="0" * 64)
        db.session.add(item)
        db.session.flush()
        net._public_report_ids = {"report_id": report.id, "file_id": item.id, "version": report.version}
    return net._public_report_ids
