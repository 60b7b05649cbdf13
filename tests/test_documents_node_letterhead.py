"""A regional centre holds several nodes: each node's letters and scheda analitica carry its own letterhead
(its name; its address and town as its directory entry publishes them) and its own town before the date,
never another node's."""
import io
import re

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from portal.accounts.models import Role
from portal.cases.models import CaseDocument
from portal.crypto import unseal
from portal.directory.models import DirectoryEntry
from portal.extensions import db
from portal.tenancy import context

from .factories import MembershipFactory, TenantFactory, UserFactory, make_case, make_referral
from .helpers import post_form

VERCELLI = "Provincia di Vercelli – Nodo territoriale contro le discriminazioni"
DATED_IN_VERCELLI = re.compile(r"Vercelli, \d{2}/\d{2}/\d{4}")


@pytest.fixture
def storage(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "ATTACHMENT_DIR", str(tmp_path / "documenti"))
    return tmp_path / "documenti"


@pytest.fixture
def vercelli_case(network):
    """Node N2 as Vercelli's node, with its directory entry, and a case it took from one of its antennas."""
    node = network.tenants["n2"]
    node.name = VERCELLI
    db.session.add(DirectoryEntry(organisation_id=node.id, address="Via dell'Esempio 1", municipality_code="L750",
                                  municipality_name="Vercelli", phone="0161 000000", email="rete@vercelli.example"))
    antenna = TenantFactory(slug="antenna-gamma", name="Antenna Gamma", node=node)
    operator = UserFactory(email="gamma@prova.example")
    MembershipFactory(user=operator, tenant=antenna, role=Role.ANTENNA_OPERATOR)
    db.session.flush()
    return make_case(make_referral(antenna, operator), case_worker=network.users["n2_case_worker"])


def _text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def _assert_vercelli(text: str) -> None:
    assert VERCELLI in text
    assert "Via dell'Esempio 1, Vercelli" in text and "0161 000000 · rete@vercelli.example" in text
    assert len(DATED_IN_VERCELLI.findall(text)) >= 1
    assert "Novara" not in text


def test_a_letter_of_vercellis_node_names_vercelli(login, network, storage, vercelli_case):
    client = login("n2_case_worker")
    response = post_form(client, f"/casi/{vercelli_case.id}/lettere/nuova", {"kind": "acceptance", "language": "it"})
    assert response.status_code == 302, response.get_data(as_text=True)
    with context.acting_as(network.tenants["n2"].id):
        [document] = db.session.scalars(select(CaseDocument).where(CaseDocument.case_id == vercelli_case.id))
    text = _text(unseal((storage / document.storage_key).read_bytes(), document.storage_key))
    _assert_vercelli(text)
    assert len(DATED_IN_VERCELLI.findall(text)) == 2  # under the letterhead and above the signature


def test_the_scheda_analitica_of_vercellis_node_names_vercelli(login, network, vercelli_case):
    response = login("n2_case_worker").get(f"/casi/{vercelli_case.id}/scheda.pdf")
    assert response.status_code == 200
    _assert_vercelli(_text(response.get_data()))


def test_a_node_without_a_directory_entry_gets_its_name_and_a_date_without_place(login, network, storage):
    response = post_form(login("n1_case_worker"), f"/casi/{network.case.id}/lettere/nuova",
                         {"kind": "acceptance", "language": "it"})
    assert response.status_code == 302
    with context.acting_as(network.tenants["n1"].id):
        [document] = db.session.scalars(select(CaseDocument))
    text = _text(unseal((storage / document.storage_key).read_bytes(), document.storage_key))
    assert text.startswith("Nodo Uno di prova\n")
    assert "Novara" not in text
