"""The guide: for logged-in members only (the public report pages carry their own explanations)."""
from flask import Blueprint, render_template

from ..accounts.permissions import current_membership, is_office_member, membership_required
from ..core.rows import or_404
from .content import BY_SLUG, PAGES, ROLE, WORKFLOW, role_page
from .diagrams import DIAGRAMS

bp = Blueprint("guide", __name__, url_prefix="/guida")


@bp.app_template_global("guide_page")
def guide_page(slug: str):
    """For the "?" links in page headings; an unknown slug is a template bug, so it fails loudly."""
    return BY_SLUG[slug]


@bp.app_template_global("guide_role_page")
def guide_role_page(membership) -> str:
    return role_page(membership.role, is_office_member(membership))


@bp.route("/")
@membership_required
def index():
    return render_template(
        "guide/index.html", roles=[p for p in PAGES if p.kind == ROLE],
        workflows=[p for p in PAGES if p.kind == WORKFLOW], mine=guide_role_page(current_membership()),
    )


@bp.route("/<slug>")
@membership_required
def page(slug: str):
    page = or_404(BY_SLUG.get(slug))
    diagrams = [DIAGRAMS[key]() for key in page.diagrams]
    return render_template("guide/page.html", page=page, diagrams=diagrams, related=[BY_SLUG[s] for s in page.related])
