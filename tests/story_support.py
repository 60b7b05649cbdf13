"""Helpers for the case-story tests (diary, documents, need-to-know) and the isolation matrix."""
import io
import secrets

from portal.accounts.models import Role
from portal.cases.models import CaseDocument, DocumentKind
from portal.extensions import db
from portal.tenancy import context

from .case_support import add_diary_entry
from .factories import MembershipFactory, UserFactory
from .helpers import csrf_from
from .referral_support import PDF


def diary_entry(net):
    """A diary entry on the victim's case, written by its case worker (once per network)."""
    if getattr(net, "_story_entry", None) is None:
        net._story_entry = add_diary_entry(net, "Nota del diario della vittima")
    return net._story_entry


def delivery(net):
    """A delivery of node N1 to provider Q (not P, whom the matrix also sends as an attacker)."""
    from .budget_support import victim

    return victim(net)["delivery"]


def case_document(net):
    """A document on the victim's delivery: the row only (the matrix never reaches the file)."""
    if getattr(net, "_story_document", None) is None:
        d = delivery(net)
        with context.acting_as(net.tenants["n1"].id):
            document = CaseDocument(
                case_id=net.case.id, tenant_id=net.case.tenant_id, provider_id=d.provider_id, delivery_id=d.id,
                kind=DocumentKind.DELIVERY, filename="foglio-presenze.pdf", content_type="application/pdf", size=len(PDF),
                storage_key=secrets.token_hex(24), sha256="0" * 64, uploaded_by_id=net.users["n1_coordinator"].id,
            )
            db.session.add(document)
            db.session.flush()
        net._story_document = document
    return net._story_document


def phase_1_outcome(net):
    """A phase-1 outcome (employed) recorded on the victim's case, so documents may prove it."""
    from datetime import date

    from portal.cases.models import JobOutcome, Verification, VerificationPhase

    with context.acting_as(net.tenants["n1"].id):
        db.session.add(Verification(case_id=net.case.id, tenant_id=net.case.tenant_id,
                                    phase=VerificationPhase.JOB_INSERTION, due_date=date(2026, 6, 30),
                                    done_on=date(2026, 6, 30), job_outcome=JobOutcome.EMPLOYED))
        db.session.flush()
        db.session.expire(net.case, ["verifications"])


def other_case_worker(net, session):
    """A second case worker of node N1, not assigned to the victim's case."""
    user = UserFactory(email="altro.operatore@prova.example", full_name="Altro Operatore")
    MembershipFactory(user=user, tenant=net.tenants["n1"], role=Role.CASE_WORKER)
    session.flush()
    return user


def upload(client, page, action, content=PDF, filename="documento.pdf", field="file", **data):
    token = csrf_from(client.get(page).get_data(as_text=True))
    return client.post(action, data={"csrf_token": token, field: (io.BytesIO(content), filename), **data},
                       content_type="multipart/form-data")
