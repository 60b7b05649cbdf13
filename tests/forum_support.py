"""Forum helpers for tests: a thread written by antenna A's operator, and driving the forum screens."""
import re

from portal.extensions import db
from portal.forum import text
from portal.forum.models import ForumCategory, ForumPost, ForumThread, ThreadKind
from portal.models_base import utcnow

from .helpers import csrf_token


def category(slug: str = "vita-della-rete") -> ForumCategory:
    return db.session.query(ForumCategory).filter_by(slug=slug).one()


def make_thread(author, tenant, title="Una discussione di prova", body="Testo di prova", kind=ThreadKind.DISCUSSION,
                slug="vita-della-rete", **fields) -> ForumThread:
    now = utcnow()
    thread = ForumThread(
        category_id=category(slug).id, kind=kind, title=title, author_user_id=author.id, author_tenant_id=tenant.id,
        locked=False, hidden=False, post_count=1, last_post_at=now, **fields,
    )
    db.session.add(thread)
    db.session.flush()
    db.session.add(ForumPost(
        thread_id=thread.id, author_user_id=author.id, author_tenant_id=tenant.id, body=body,
        body_html=text.render(body), search_text=f"{title}\n{body}", personal_data_flags=[], hidden=False,
    ))
    db.session.flush()
    return thread


def victim_thread(net) -> ForumThread:
    """A practice card of antenna A (created once per network), for the isolation matrix."""
    if getattr(net, "_forum_thread", None) is None:
        net._forum_thread = make_thread(
            net.users["a_operator"], net.tenants["a"], title="Scheda dell'antenna A", kind=ThreadKind.PRACTICE,
            problem="Un problema", target_group="Destinatari",
        )
    return net._forum_thread


def thread_args(net) -> dict:
    return {"thread_id": victim_thread(net).id}


def post_args(net) -> dict:
    thread = victim_thread(net)
    return {"post_id": db.session.query(ForumPost.id).filter_by(thread_id=thread.id).order_by(ForumPost.id).first()[0]}


CONFIRM_BOX = re.compile(r'name="confirm" value="([0-9a-f]+)"')


def confirm_keys(response) -> list[str]:
    """The per-item confirmation checkboxes a refused post form offers."""
    return CONFIRM_BOX.findall(response.get_data(as_text=True))


def _send(client, url, data, confirm):
    """POST; with ``confirm`` the form is sent once more ticking every checkbox the page offered (and the old
    generic tick, which must mean nothing), as an author confirming each contact would."""
    response = client.post(url, data=data)
    if confirm and response.status_code == 200:
        data = {**data, "confirm": confirm_keys(response), "confirm_personal_data": "y"}
        response = client.post(url, data=data)
    return response


def publish(client, title, body, practice=None, confirm=False, category_slug="vita-della-rete"):
    url = "/forum/nuova" + ("?tipo=prassi" if practice is not None else "")
    data = {"category": str(category(category_slug).id), "title": title, "body": body,
            "csrf_token": csrf_token(client, url)}
    if practice is not None:
        data.update(practice)
    return _send(client, url, data, confirm)


def reply(client, thread_id, body, confirm=False):
    data = {"body": body, "csrf_token": csrf_token(client, f"/forum/t/{thread_id}")}
    return _send(client, f"/forum/t/{thread_id}/rispondi", data, confirm)


def victim_entry(net):
    """Antenna A's directory entry with one information point (created once per network)."""
    from portal.directory.models import DirectoryEntry, InformationPoint

    if getattr(net, "_directory_entry", None) is None:
        entry = DirectoryEntry(organisation_id=net.tenants["a"].id, grounds=["ethnicity"], services="Sportello di ascolto",
                               municipality_code="A429", municipality_name="Arona")
        db.session.add(entry)
        db.session.flush()
        db.session.add(InformationPoint(entry_id=entry.id, name="Punto di prova", active=True))
        db.session.flush()
        net._directory_entry = entry
    return net._directory_entry


def entry_args(net) -> dict:
    return {"entry_id": victim_entry(net).id}


def point_args(net) -> dict:
    entry = victim_entry(net)
    db.session.refresh(entry)
    return {"entry_id": entry.id, "point_id": entry.points[0].id}


# --- network groups (cabina di regia) ---------------------------------------------------------------

MINUTES_SECRET = "VITTIMA-SEGRETO-7731"  # the isolation matrix's victim mark: only members may read it


def victim_group(net):
    """A group of node N1 with members N1 and antenna A, one meeting and approved minutes with a file
    (created once per network): B, the provider and node N2 are not members."""
    from portal.governance.models import GroupKind, GroupMember, Meeting, Minutes, NetworkGroup
    from portal.models_base import utcnow

    if getattr(net, "_group", None) is None:
        group = NetworkGroup(node_id=net.tenants["n1"].id, name="Cabina di regia di prova", kind=GroupKind.STEERING_GROUP)
        db.session.add(group)
        db.session.flush()
        for key in ("n1", "a"):
            db.session.add(GroupMember(group_id=group.id, tenant_id=net.tenants[key].id))
        from datetime import date

        meeting = Meeting(group_id=group.id, held_on=date(2026, 3, 2), place="Sala del nodo", agenda="Punto 1",
                          agenda_html=text.render("Punto 1"), created_by_id=net.users["n1_coordinator"].id)
        db.session.add(meeting)
        db.session.flush()
        body = f"Verbale: {MINUTES_SECRET}"
        db.session.add(Minutes(meeting_id=meeting.id, body=body, body_html=text.render(body), approved_at=utcnow(),
                               approved_by_id=net.users["n1_coordinator"].id, attachment_name="verbale.pdf",
                               attachment_type="application/pdf", attachment_size=10, attachment_key="nessun-file-0",
                               attachment_sha256="0" * 64))
        db.session.flush()
        db.session.expire(group)
        net._group, net._meeting = group, meeting
    return net._group


def group_args(net) -> dict:
    return {"group_id": victim_group(net).id}


def meeting_args(net) -> dict:
    victim_group(net)
    return {"meeting_id": net._meeting.id}


def attachment_args(net) -> dict:
    """A file attached to antenna A's thread (row only: the matrix checks who may reach it)."""
    from portal.forum.models import ForumAttachment

    if getattr(net, "_forum_attachment", None) is None:
        row = ForumAttachment(post_id=post_args(net)["post_id"], filename="scheda.pdf", content_type="application/pdf",
                              size=10, storage_key="nessun-file-forum", sha256="0" * 64,
                              uploaded_by_id=net.users["a_operator"].id)
        db.session.add(row)
        db.session.flush()
        net._forum_attachment = row
    return {"attachment_id": net._forum_attachment.id}
