"""Helpers shared by the referral tests and the isolation matrix (tests/isolation.py)."""
import re
import secrets
from datetime import date

from sqlalchemy import func, select

from portal.extensions import db
from portal.referrals.models import Attachment, Referral
from portal.tenancy import context

from .helpers import csrf_from

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def victim_attachment(net) -> Attachment:
    """An attachment on the victim's referral (antenna A's), created once per network."""
    existing = getattr(net, "_victim_attachment", None)
    if existing is not None:
        return existing
    with context.acting_as(net.tenants["a"].id):
        attachment = Attachment(
            referral_id=net.referral.id, tenant_id=net.referral.tenant_id, node_id=net.referral.node_id,
            filename="documento.pdf", content_type="application/pdf", size=len(PDF),
            storage_key=secrets.token_hex(24), sha256="0" * 64, uploaded_by_id=net.users["a_operator"].id,
        )
        db.session.add(attachment)
        db.session.flush()
    net._victim_attachment = attachment
    return attachment


def download_args(net) -> dict:
    return {"referral_id": net.referral.id, "attachment_id": victim_attachment(net).id}


# --- driving the referral screens as a user would ----------------------------------------------------
FIRST_NAME, LAST_NAME, TAX_CODE = "Ginevra", "Pellizzari", "PLLGNV90A41F952X"
SITUATION = "Le hanno negato l'affitto di un alloggio per il suo cognome straniero (prova)."
KEY_RE = re.compile(r'name="submission_key"[^>]*value="([^"]+)"')


def new_form(client) -> tuple[str, str]:
    """Open the new-referral form: its CSRF token and its submission key."""
    page = client.get("/segnalazioni/nuova").get_data(as_text=True)
    return csrf_from(page), KEY_RE.search(page).group(1)


def form_data(**overrides) -> dict:
    data = {
        "first_name": FIRST_NAME, "last_name": LAST_NAME, "tax_code": "", "birth_year": "1990",
        "contact": "333 0000000", "gender": "female", "citizenship_group": "non_eu", "disability": "no",
        "labour_status": "unemployed", "education_level": "isced_3_4",
        "grounds": ["ethnicity", "religion"], "context": "housing", "urgency": "high",
        "situation": SITUATION, "needs": "Orientamento legale e sostegno nella ricerca di casa.",
        "availability": "Mattine, lunedì e mercoledì", "consent": "y", "consent_notice_version": "2026-01",
        "consent_date": date.today().isoformat(), "action": "submit",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def post_new(client, **overrides):
    token, key = new_form(client)
    return client.post("/segnalazioni/nuova", data={**form_data(**overrides), "csrf_token": token, "submission_key": key}), key


def referral_by_key(session, tenant, key) -> Referral | None:
    """Read fresh from the database (what the requests committed), as ``tenant``."""
    with context.acting_as(tenant.id):
        return session.scalar(
            select(Referral).where(Referral.submission_key == key).execution_options(populate_existing=True)
        )


def count_referrals(session, tenant) -> int:
    with context.acting_as(tenant.id):
        return session.scalar(select(func.count(Referral.id)).where(Referral.tenant_id == tenant.id))


def reload(session, tenant, obj):
    """The row again, fresh from the database, as ``tenant`` (other objects of the session untouched)."""
    with context.acting_as(tenant.id):
        return session.get(type(obj), obj.id, populate_existing=True)


def post_on_page(client, page_path, action_path, data, **kw):
    """POST a form of ``page_path`` with that page's CSRF token."""
    token = csrf_from(client.get(page_path).get_data(as_text=True))
    return client.post(action_path, data={**data, "csrf_token": token}, **kw)
