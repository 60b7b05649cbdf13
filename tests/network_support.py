"""Node N1's network rows for tests: a course, an agreement, a call and an application (created once)."""
from datetime import date, timedelta
from decimal import Decimal

from portal.extensions import db
from portal.network.applications import token_hash
from portal.network.models import Agreement, Application, Call, Course, Participation
from portal.tenancy import context
from portal.tenancy.models import TenantKind

VALID_VAT = "00743110157"  # a partita IVA with a valid check digit
FOLLOW_TOKEN = "token-di-prova-non-indovinabile-0123456789"


def n1_rows(net):
    if getattr(net, "_network_rows", None) is None:
        today = date.today()
        n1 = net.tenants["n1"]
        call = Call(node_id=n1.id, title="Avviso di prova", opens_on=today - timedelta(days=1),
                    closes_on=today + timedelta(days=30), requirements="Requisiti di prova")
        db.session.add(call)
        db.session.flush()
        with context.acting_as(n1.id):
            course = Course(title="Corso di prova", hours=Decimal(32))
            agreement = Agreement(organisation_id=net.tenants["a"].id, signed_on=today - timedelta(days=10),
                                  expires_on=today + timedelta(days=365))
            application = Application(
                call_id=call.id, token_hash=token_hash(FOLLOW_TOKEN), organisation_name="Associazione Candidata",
                kind=TenantKind.ASSOCIATION, tax_code=VALID_VAT, contact_name="Referente Candidata",
                contact_email="candidata@prova.example", points=[{"name": "Sportello candidato"}])
            db.session.add_all([course, agreement, application])
            db.session.flush()
        net._network_rows = {"call": call, "course": course, "agreement": agreement, "application": application}
    return net._network_rows


def trained_at(organisation, user):
    """``user`` completed the node's anti-discrimination course for ``organisation``: its active points may be
    published (network.services.staffed). The course is made for the occasion, as the organisation's node."""
    with context.acting_as(organisation.node_id):
        course = Course(title="Corso per il punto", hours=Decimal(32))
        db.session.add(course)
        db.session.flush()
        db.session.add(Participation(course_id=course.id, user_id=user.id, organisation_id=organisation.id,
                                     completed_on=date.today(), hours_attended=Decimal(32)))
        db.session.flush()


def call_args(net):
    return {"call_id": n1_rows(net)["call"].id}


def follow_args(net):
    return {**call_args(net), "token": "non-valido"}


def course_args(net):
    return {"course_id": n1_rows(net)["course"].id}


def agreement_args(net):
    return {"agreement_id": n1_rows(net)["agreement"].id}


def application_args(net):
    return {"application_id": n1_rows(net)["application"].id}


def point_args(net):
    from .forum_support import point_args as directory_point_args

    return {"point_id": directory_point_args(net)["point_id"]}
