"""marshmallow schemas: they validate the input, shape the output and write the OpenAPI document."""
from marshmallow import EXCLUDE, Schema, fields, validate

from ..i18n import lazy_gettext as _l
from ..people.models import CitizenshipGroup, EducationLevel, Gender, LabourStatus
from ..referrals.models import Context, Ground, OutcomeCode, ReferralState, Urgency
from .models import DeliveryStatus, EventKind


def _values(enum_cls):
    return validate.OneOf([m.value for m in enum_cls])


def _page(name: str, item_schema) -> type[Schema]:
    """A page of a list: its items and the cursor of the next page (None on the last); ``name`` names it in
    the OpenAPI document."""
    return Schema.from_dict({"items": fields.List(fields.Nested(item_schema)),
                             "next_cursor": fields.String(allow_none=True)}, name=name)


class _In(Schema):
    class Meta:
        unknown = EXCLUDE  # tolerate fields of later versions


class PersonIn(_In):
    first_name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    last_name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    tax_code = fields.String(load_default=None, allow_none=True, validate=validate.Length(equal=16))
    birth_year = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=1900, max=2100))
    contact = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))
    gender = fields.String(load_default=None, allow_none=True, validate=_values(Gender))
    citizenship_group = fields.String(load_default=None, allow_none=True, validate=_values(CitizenshipGroup))
    disability = fields.Boolean(load_default=None, allow_none=True)
    labour_status = fields.String(load_default=None, allow_none=True, validate=_values(LabourStatus))
    education_level = fields.String(load_default=None, allow_none=True, validate=_values(EducationLevel))


class ConsentIn(_In):
    notice_version = fields.String(required=True, validate=validate.Length(min=1, max=20))
    date = fields.Date(required=True)


class ReferralIn(_In):
    person = fields.Nested(PersonIn, required=True)
    grounds = fields.List(fields.String(validate=_values(Ground)), load_default=list)
    context = fields.String(required=True, validate=_values(Context))
    urgency = fields.String(load_default=Urgency.NORMAL.value, validate=_values(Urgency))
    situation = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=10000))
    needs = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=5000))
    availability = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=500))
    consent = fields.Nested(ConsentIn, load_default=None, allow_none=True)
    legal_basis_requested = fields.Boolean(load_default=False)
    submit = fields.Boolean(load_default=False, metadata={"description": _l("Invia subito al nodo.")})


class VersionIn(_In):
    version = fields.Integer(load_default=None, allow_none=True,
                             metadata={"description": _l("La versione letta (blocco ottimistico).")})


class LinksOut(Schema):
    self = fields.String()
    html = fields.String()


class ReferralOut(Schema):
    id = fields.Integer()
    pseudonym = fields.String()
    state = fields.String(validate=_values(ReferralState))
    outcome_code = fields.String(allow_none=True, validate=_values(OutcomeCode))
    grounds = fields.List(fields.String())
    context = fields.String()
    urgency = fields.String()
    version = fields.Integer()
    created_at = fields.DateTime()
    submitted_at = fields.DateTime(allow_none=True)
    decided_at = fields.DateTime(allow_none=True)
    links = fields.Nested(LinksOut)


ReferralPage = _page("ReferralPage", ReferralOut)


class PageArgs(Schema):
    cursor = fields.String(metadata={"description": _l("Il 'next_cursor' della pagina precedente.")})
    limit = fields.Integer(validate=validate.Range(min=1, max=100))


class AttachmentOut(Schema):
    id = fields.Integer()
    filename = fields.String()
    content_type = fields.String()
    size = fields.Integer()


class AttachmentsOut(Schema):
    items = fields.List(fields.Nested(AttachmentOut))


class DirectoryOut(Schema):
    id = fields.Integer()
    organisation = fields.String()
    kind = fields.String()
    municipality_code = fields.String(allow_none=True)
    municipality_name = fields.String(allow_none=True)
    address = fields.String(allow_none=True)
    phone = fields.String(allow_none=True)
    email = fields.String(allow_none=True)
    website = fields.String(allow_none=True)
    grounds = fields.List(fields.String())
    services = fields.String(allow_none=True)


DirectoryPage = _page("DirectoryPage", DirectoryOut)


class DirectoryArgs(PageArgs):
    q = fields.String(validate=validate.Length(max=100))


class WebhookIn(_In):
    url = fields.Url(required=True, require_tld=False, schemes={"http", "https"}, validate=validate.Length(max=500))
    events = fields.List(fields.String(validate=_values(EventKind)), required=True,
                         validate=validate.Length(min=1))


class WebhookOut(Schema):
    id = fields.Integer()
    url = fields.String()
    events = fields.List(fields.String())
    secret = fields.String(metadata={"description": _l("Mostrato solo alla creazione.")})


class WebhookPage(Schema):
    items = fields.List(fields.Nested(WebhookOut))


class DeliveryOut(Schema):
    id = fields.Integer()
    event = fields.String()
    status = fields.String(validate=_values(DeliveryStatus))
    attempts = fields.Integer()
    last_status = fields.Integer(allow_none=True)
    created_at = fields.DateTime()
    sent_at = fields.DateTime(allow_none=True)


class ActionOut(Schema):
    id = fields.Integer()
    service_type = fields.String()
    phase = fields.String()
    status = fields.String()
    planned_start = fields.Date()
    planned_end = fields.Date(allow_none=True)
    planned_hours = fields.Decimal(as_string=True)
    delivered_hours = fields.Decimal(as_string=True)
    delivered_on = fields.Date(allow_none=True)


class CaseSummaryOut(Schema):
    id = fields.Integer()
    pseudonym = fields.String()
    state = fields.String()
    grounds = fields.List(fields.String())
    urgent = fields.Boolean()
    opened_at = fields.DateTime()
    closed_at = fields.DateTime(allow_none=True)
    closure_outcome = fields.String(allow_none=True)


class CaseOut(CaseSummaryOut):
    actions = fields.List(fields.Nested(ActionOut))


CasePage = _page("CasePage", CaseSummaryOut)


class OrderOut(Schema):
    id = fields.Integer()
    pseudonym = fields.String()
    status = fields.String()
    quantity = fields.Decimal(as_string=True)
    contract_id = fields.Integer()
    service_type = fields.String()


OrderPage = _page("OrderPage", OrderOut)


class DeliveryIn(_In):
    delivered_on = fields.Date(required=True)
    units = fields.Decimal(required=True, places=2, metadata={"description": _l("Ore o unità, maggiori di zero.")})
    attended = fields.Boolean(load_default=True)


class DeliveryRecordOut(Schema):
    id = fields.Integer()
    order_id = fields.Integer()
    delivered_on = fields.Date()
    units = fields.Decimal(as_string=True)
    amount = fields.Decimal(as_string=True)
    status = fields.String()


class IdentityOut(Schema):
    first_name = fields.String(allow_none=True)
    last_name = fields.String(allow_none=True)
    tax_code = fields.String(allow_none=True)
    birth_year = fields.Integer(allow_none=True)
    contact = fields.String(allow_none=True)


class OpenDataArgs(_In):
    dal = fields.Date(required=True, metadata={"description": _l("primo giorno del periodo (AAAA-MM-GG)")})
    al = fields.Date(required=True, metadata={"description": _l("ultimo giorno del periodo, incluso")})


class OpenDataCell(Schema):
    tabella = fields.String(required=True)
    dimensione_riga = fields.String(required=True)
    valore_riga = fields.String(required=True)
    dimensione_colonna = fields.String(required=True)
    valore_colonna = fields.String(required=True)
    persone = fields.Integer(allow_none=True, required=True, metadata={"description": _l("null se soppresso")})
    soppresso = fields.Boolean(required=True)


class OpenDataOut(Schema):
    periodo_dal = fields.Date(required=True)
    periodo_al = fields.Date(required=True)
    schema = fields.String(required=True, metadata={"description": _l("documentazione delle tabelle e dei codici")})
    celle = fields.List(fields.Nested(OpenDataCell), required=True)
