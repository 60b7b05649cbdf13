"""The case's story as the case page shows it (views.py) to who may read it: the referral's texts, messages and
attachments, the case diary and the documents on the case; every read audited by the services it calls."""
from ..extensions import db
from ..referrals import services as referrals
from ..referrals.models import Referral
from . import diary, documents
from .forms import DiaryForm, DocumentForm
from .models import Case


def story_context(case: Case, *, diary_form=None, document_form=None) -> dict:
    """What the case page shows of the story, for who may read it (need-to-know), each read audited."""
    referral = db.session.get(Referral, case.referral_id)
    may_read = referral is not None and referrals.can_read_texts(referral)
    context = {"may_read_story": may_read, "referral": referral}
    if may_read:
        context.update(
            referral_texts=referrals.read_texts(referral), referral_events=referrals.timeline(referral),
            referral_attachments=referral.attachments, documents=documents.case_documents(case),
        )
    if diary.can_read(case):
        context["diary"] = diary.entries(case)
        context["diary_authors"] = diary.authors(context["diary"])
        context["diary_form"] = diary_form or DiaryForm(formdata=None)
        context["may_correct"] = lambda entry: diary.can_correct(entry, case)
    if documents.may_upload(case):
        context["document_form"] = document_form or DocumentForm(formdata=None)
    return context
