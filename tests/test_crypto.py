"""Encryption at rest of identifying fields: AES-GCM bound to the row, key ids, rotation, blind indexes."""
import base64

import pytest
from sqlalchemy import select, text

from portal import create_app
from portal.cases.models import DiaryEntry
from portal.config import DEV_DATA_KEYS
from portal.core import files, storage
from portal.crypto import DecryptionError, blind_index, encrypted_fields, key_id_of, normalise, sealed_key_id, unseal
from portal.extensions import db
from portal.people.models import Person
from portal.referrals.models import Attachment, Referral
from portal.tenancy import context

from .factories import MembershipFactory, NodeFactory, TenantFactory, UserFactory, make_case, make_person, make_referral
from .network import VICTIM_LAST_NAME, VICTIM_TAX_CODE
from .referral_support import PDF

K2 = "k2:" + base64.urlsafe_b64encode(b"another-32-byte-key-for-tests!!!").decode()


def test_identity_is_encrypted_at_rest(network, session):
    with context.acting_as(network.tenants["a"].id):
        raw = session.execute(
            text("SELECT last_name_enc, tax_code_enc, first_name_enc FROM people WHERE id = :i"), {"i": network.person.id}
        ).one()
        situation = session.execute(text("SELECT situation_enc FROM referrals WHERE id = :i"), {"i": network.referral.id}).scalar()
    row = " ".join(raw)
    assert VICTIM_LAST_NAME not in row and VICTIM_TAX_CODE not in row
    assert VICTIM_LAST_NAME.lower() not in row.lower()
    assert all(value.startswith("v1.k1.") for value in raw)
    assert "velo" not in situation
    assert network.person.last_name == VICTIM_LAST_NAME


def test_tampering_with_a_ciphertext_is_detected(network):
    person = network.person
    token = person.last_name_enc
    prefix, body = token.rsplit(".", 1)
    raw = bytearray(base64.urlsafe_b64decode(body))
    raw[-1] ^= 0x01
    person.last_name_enc = f"{prefix}.{base64.urlsafe_b64encode(bytes(raw)).decode()}"
    with pytest.raises(DecryptionError):
        person.last_name  # noqa: B018


def test_a_ciphertext_copied_to_another_row_or_field_does_not_decrypt(network):
    other = make_person(network.tenants["a"], first_name="Bruno", last_name="Verdi")
    other.last_name_enc = network.person.last_name_enc
    with pytest.raises(DecryptionError):
        other.last_name  # noqa: B018
    network.person.first_name_enc = network.person.last_name_enc
    with pytest.raises(DecryptionError):
        network.person.first_name  # noqa: B018


def test_unknown_key_id_fails_closed(app, network):
    token = network.person.last_name_enc.replace("v1.k1.", "v1.zz.", 1)
    network.person.last_name_enc = token
    with pytest.raises(DecryptionError):
        network.person.last_name  # noqa: B018


def test_blind_index_normalises_case_accents_and_spaces(app):
    with app.app_context():
        assert normalise("  D'Àngelo   Rossì ") == "d angelo rossi"
        assert blind_index("Rossì  Mario", "name") == blind_index("ROSSI mario", "name")
        assert blind_index("Rossi", "name") != blind_index("Rossi", "tax_code")  # purpose separates indexes
        assert blind_index("Rossi", "name") != blind_index("Rosi", "name")
        assert blind_index("", "name") is None
        assert len(blind_index("Rossi", "name")) == 40


def test_encrypted_fields_are_found_generically(app):
    with app.app_context():
        found = {cls.__name__: [f.name for f in fields] for cls, fields in encrypted_fields().items()}
    assert found["Person"] == sorted(Person.ENCRYPTED_FIELDS)
    assert found["Referral"] == ["needs", "situation"]
    assert "Case" not in found  # its internal notes are the diary's entries
    assert found["DiaryEntry"] == found["DiaryRevision"] == ["text"]


# --- key rotation through the CLI, as in production: the owner connection, committed data ---------

@pytest.fixture
def owner_app(database, mail_server):
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": database.owner_url, "DATABASE_OWNER_URL": database.owner_url, "TESTING": True,
         "MAIL_PORT": mail_server.port, "FAST_PASSWORD_HASH": True},
        owner=True,
    )
    created = {"tenants": [], "users": []}
    yield app, created
    with app.app_context():
        tids = created["tenants"] or [-1]
        uids = created["users"] or [-1]
        chains = ["global"] + [f"t{t}" for t in tids]
        params = {"t": tids, "u": uids, "c": chains}
        from sqlalchemy import bindparam

        def run(sql):
            db.session.execute(
                text(sql).bindparams(*[bindparam(k, expanding=True) for k in params if f":{k}" in sql]),
                {k: v for k, v in params.items() if f":{k}" in sql},
            )

        run("DELETE FROM audit_events WHERE chain_key IN :c OR tenant_id IN :t OR node_id IN :t")
        run("DELETE FROM audit_chain_heads WHERE chain_key IN :c")
        run("DELETE FROM actions WHERE tenant_id IN :t")
        run("DELETE FROM verifications WHERE tenant_id IN :t")
        run("DELETE FROM case_diary_entries WHERE tenant_id IN :t")
        run("DELETE FROM cases WHERE tenant_id IN :t")
        run("DELETE FROM referral_events WHERE tenant_id IN :t")
        run("DELETE FROM attachments WHERE tenant_id IN :t")
        run("DELETE FROM referrals WHERE tenant_id IN :t")
        run("DELETE FROM people WHERE tenant_id IN :t")
        run("DELETE FROM memberships WHERE tenant_id IN :t")
        run("DELETE FROM users WHERE id IN :u")
        run("UPDATE tenants SET node_id = NULL WHERE id IN :t")
        run("DELETE FROM tenants WHERE id IN :t")
        db.session.commit()
        db.engine.dispose()


def _all_tokens():
    tokens = []
    for cls, fields in encrypted_fields().items():
        for obj in db.session.scalars(select(cls)):
            for field in fields:
                tokens.append((obj, field, getattr(obj, field.column)))
    return [t for t in tokens if t[2] is not None]


def _antenna_with_operator(created, name: str, code: str):
    """A node, its antenna and an operator, committed (removed by ``owner_app``)."""
    node = NodeFactory(slug=f"nodo-{name}", code=code)
    antenna = TenantFactory(slug=f"antenna-{name}", node=node)
    user = UserFactory(email=f"{name}@prova.example")
    created["tenants"] += [antenna.id, node.id]
    created["users"].append(user.id)
    MembershipFactory(user=user, tenant=antenna)
    return node, antenna, user


def test_rotate_keys_cli_reencrypts_every_field_with_the_active_key(owner_app):
    app, created = owner_app
    with app.app_context():
        node, antenna, user = _antenna_with_operator(created, "rotazione", "RK")
        people = [
            make_person(antenna, first_name=f"Nome{i}", last_name=f"Cognome{i}", tax_code=VICTIM_TAX_CODE if i == 0 else None,
                        contact=f"33300000{i}") for i in range(5)
        ]
        referral = make_referral(antenna, user, person=people[0], needs="Bisogno di orientamento")
        case = make_case(referral)
        with context.acting_as(node.id):
            entry = DiaryEntry(case_id=case.id, tenant_id=node.id, written_at=case.opened_at)
            entry.text = "Nota interna riservata"
            db.session.add(entry)
            db.session.flush()
        db.session.commit()
        with context.system("test"):
            before = {(type(o).__name__, o.id, f.name): f.__get__(o) for o, f, _ in _all_tokens()}
            assert {key_id_of(t) for _, _, t in _all_tokens()} == {"k1"}
            versions = {p.id: p.version for p in db.session.scalars(select(Person))}
        db.session.remove()

        app.config["DATA_KEYS"] = f"{K2},{DEV_DATA_KEYS}"
        result = app.test_cli_runner().invoke(args=["rete", "rotate-keys", "--batch-size", "2"])
        assert result.exit_code == 0, result.output
        assert "Person.last_name: 5" in result.output
        db.session.remove()

        with context.system("test"):
            tokens = _all_tokens()
            assert tokens and {key_id_of(t) for _, _, t in tokens} == {"k2"}
            after = {(type(o).__name__, o.id, f.name): f.__get__(o) for o, f, _ in tokens}
            assert after == before
            assert after[("DiaryEntry", entry.id, "text")] == "Nota interna riservata"
            # Rotation is not a change of the data: versions untouched.
            assert {p.id: p.version for p in db.session.scalars(select(Person))} == versions
        # Run again: nothing left to do.
        result = app.test_cli_runner().invoke(args=["rete", "rotate-keys"])
        assert result.exit_code == 0 and "Nessun valore" in result.output
        db.session.remove()

        with context.system("test"):
            p0, p1 = db.session.get(Person, people[0].id), db.session.get(Person, people[1].id)
            p1.last_name_enc = p0.last_name_enc  # AAD binding: a value copied onto another row fails
            with pytest.raises(DecryptionError):
                p1.last_name  # noqa: B018
            r = db.session.get(Referral, referral.id)
            r.situation_enc = r.needs_enc  # ... and onto another field of the same row
            with pytest.raises(DecryptionError):
                r.situation  # noqa: B018
            db.session.rollback()
            # The old key alone can no longer read the rotated data.
            app.config["DATA_KEYS"] = DEV_DATA_KEYS
            with pytest.raises(DecryptionError):
                db.session.get(DiaryEntry, entry.id).text  # noqa: B018
        db.session.remove()


def _file_rows(attachments):
    """(raw bytes as kept, row) of each attachment: its row's column, or its file in the local folder."""
    raw = []
    for a in attachments:
        row = db.session.get(Attachment, a)
        kept = row.content if row.content is not None else (storage.directory(storage.ROOT) + "/" + row.storage_key)
        raw.append((bytes(kept) if isinstance(kept, bytes | memoryview) else open(kept, "rb").read(), row))
    return raw


def test_stored_files_are_sealed_and_rotate_keys_seals_them_with_the_active_key(owner_app, tmp_path):
    """A file's bytes and name are unreadable at rest in both backends; files kept before sealing are read as
    they are, and rotate-keys seals them (and the sealed ones) with the active key."""
    app, created = owner_app
    app.config["ATTACHMENT_DIR"] = str(tmp_path)
    with app.app_context():
        node, antenna, user = _antenna_with_operator(created, "file", "RF")
        referral = make_referral(antenna, user)
        contents, ids = [], []
        for backend, sealed in (("local", True), ("database", True), ("local", False), ("database", False)):
            app.config["FILE_STORAGE"] = backend
            content = PDF + f"{backend}-{sealed}".encode()
            stored = files.generated(content, "application/pdf", f"Mario_Rossi_{backend}_{sealed}.pdf")
            with context.acting_as(antenna.id):
                row = Attachment(referral_id=referral.id, tenant_id=antenna.id, node_id=node.id, filename=stored.filename,
                                 content_type=stored.content_type, size=stored.size, storage_key=stored.storage_key,
                                 sha256=stored.sha256, uploaded_by_id=user.id)
                if sealed:
                    storage.save(row, stored, storage.ROOT)
                elif backend == "database":  # as kept before this release
                    row.content = content
                else:
                    (tmp_path / stored.storage_key).write_bytes(content)
                db.session.add(row)
                db.session.flush()
            contents.append(content)
            ids.append(row.id)
        db.session.commit()
        # What else an operator keeps in the folder is not a stored file: rotate-keys leaves it alone.
        others = {tmp_path / "LEGGIMI.txt": b"note", tmp_path / "backup" / ("ab" * 24): b"copia"}
        for path, data in others.items():
            path.parent.mkdir(exist_ok=True)
            path.write_bytes(data)
        with context.system("test"):
            kept = _file_rows(ids)
            assert [sealed_key_id(raw) for raw, _ in kept] == ["k1", "k1", None, None]
            assert all(PDF not in raw for raw, _ in kept[:2])
            assert [storage.read(row, storage.ROOT) for _, row in kept] == contents
            names = db.session.execute(text(f"SELECT filename_enc FROM attachments WHERE id IN ({','.join(map(str, ids))})")).scalars().all()
            assert len(names) == 4 and not any("Rossi" in name for name in names)
            assert kept[0][1].filename == "Mario_Rossi_local_True.pdf"
        db.session.remove()

        app.config["DATA_KEYS"] = f"{K2},{DEV_DATA_KEYS}"
        result = app.test_cli_runner().invoke(args=["rete", "rotate-keys"])
        assert result.exit_code == 0, result.output
        assert "File: 4 " in result.output and "Attachment.filename: 4" in result.output
        assert "RETE_SEALED_FILES_ONLY=1" in result.output  # all sealed: the operator may now refuse unsealed files
        db.session.remove()
        with context.system("test"):
            kept = _file_rows(ids)
            assert [sealed_key_id(raw) for raw, _ in kept] == ["k2"] * 4
            assert {path: path.read_bytes() for path in others} == others
            assert not any(PDF in raw for raw, _ in kept)
            assert [storage.read(row, storage.ROOT) for _, row in kept] == contents
            assert [row.filename for _, row in kept][3] == "Mario_Rossi_database_False.pdf"
            first, second = kept[1][1], kept[3][1]
            first.content = second.content  # a sealed file copied onto another row fails: bound to its key
            with pytest.raises(DecryptionError):
                unseal(first.content, first.storage_key)
            assert storage.read(first, storage.ROOT) is None  # refused (a 404), never served
            db.session.rollback()
            app.config["DATA_KEYS"] = DEV_DATA_KEYS  # the old key alone no longer opens them
            assert storage.read(db.session.get(Attachment, ids[0]), storage.ROOT) is None
        db.session.remove()
        result = app.test_cli_runner().invoke(args=["rete", "rotate-keys"])
        assert result.exit_code == 1 and "NON DECIFRABILE" in result.output
        assert "RETE_SEALED_FILES_ONLY" not in result.output
