"""The patient's web form: ``/f/<token>/``. No login; the secret link is the credential.

GET shows the form (with whatever was saved before); POST ``action=save`` keeps a partial answer
(also sent by the page's autosave, answered with JSON); POST ``action=submit`` records the answers
once. Forged, expired and already-used links get a page that says so, in plain words. Django's
CSRF protection applies as everywhere else (the token is in the page, the cookie is set on GET).
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from .. import messages as msg
from ..conversation import language_of
from ..form_links import LinkState, form_link_check
from ..models import FormDraft
from .forms import SurveyForm, form_questions
from .services import draft_save, form_submit

REFERRER_POLICY = "same-origin"
_STATUS = {LinkState.UNKNOWN: 404, LinkState.EXPIRED: 410, LinkState.USED: 410}
_PAGE = {LinkState.UNKNOWN: "unknown", LinkState.EXPIRED: "expired", LinkState.USED: "used"}


def _private_page(response: HttpResponse) -> HttpResponse:
    # The token is in the URL: never hand it to another site in a Referer header. Not
    # "no-referrer": with it Chromium posts the form with ``Origin: null`` and Django's CSRF
    # check refuses the patient (403). "same-origin" sends the Referer (and the real Origin) to
    # this site only; other sites get no Referer at all.
    response["Referrer-Policy"] = REFERRER_POLICY
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _message_page(request: HttpRequest, state: LinkState, link) -> HttpResponse:
    if link is None:
        lang, clinic, phone = "en", "", ""
    else:
        enrollment = link.checkpoint.enrollment
        lang, clinic, phone = (
            language_of(enrollment.patient),
            enrollment.clinic.name,
            enrollment.clinic.phone,
        )
    text = msg.WEB_TEXT[lang]
    key = _PAGE[state]
    context = {
        "lang": lang,
        "title": text[f"{key}_title"],
        "message": text[key].format(clinic=clinic, phone=phone),
        "emergency": text["emergency"],
        # A forged link tells us nothing about the reader's language: say it in both.
        "also": msg.WEB_TEXT["es"][key] if link is None else "",
    }
    return _private_page(
        render(request, "followup/webform/message.html", context, status=_STATUS[state])
    )


@never_cache
@require_http_methods(["GET", "POST"])
def survey_form(request: HttpRequest, token: str) -> HttpResponse:
    check = form_link_check(token=token)
    if check.state is not LinkState.VALID:
        if request.headers.get("X-Autosave") == "1":
            return JsonResponse(
                {"saved": False, "state": check.state.value}, status=_STATUS[check.state]
            )
        return _message_page(request, check.state, check.link)
    link = check.link
    checkpoint = link.checkpoint
    enrollment = checkpoint.enrollment
    lang = language_of(enrollment.patient)
    codes = form_questions(checkpoint)
    draft = FormDraft.objects.filter(checkpoint=checkpoint).first()
    text = msg.WEB_TEXT[lang]
    saved = False
    odi_missing: list[str] = []
    if request.method == "POST":
        final = request.POST.get("action") == "submit"
        form = SurveyForm(request.POST, codes=codes, language=lang, final=final)
        valid = form.is_valid()
        if request.headers.get("X-Autosave") == "1":
            if hasattr(form, "cleaned_data"):
                draft_save(checkpoint=checkpoint, values=form.draft_values())
            return JsonResponse({"saved": True})
        missing = form.odi_missing() if valid and final else []
        confirmed = request.POST.get("odi_confirm") == "1"
        if valid and final and missing and not confirmed:
            # Tell the patient which sections are blank before anything is recorded; the page
            # offers to answer them or to send as is ("Send without these sections").
            odi_missing = missing
            final = False
        if valid and final:
            result = form_submit(link=link, form=form)
            if result.already:
                return _message_page(request, LinkState.USED, link)
            return _private_page(
                render(
                    request,
                    "followup/webform/thanks.html",
                    {
                        "lang": lang,
                        "title": text["thanks_title"],
                        "message": text["thanks"],
                        "safety": result.safety,
                        "emergency": text["emergency"],
                    },
                )
            )
        if hasattr(form, "cleaned_data"):
            draft = draft_save(checkpoint=checkpoint, values=form.draft_values())
        saved = not final and not odi_missing
    else:
        initial = dict(draft.data) if draft else {}
        form = SurveyForm(codes=codes, language=lang, initial=initial)
    vas_value = draft.data.get("vas") if draft else None
    if (
        request.method == "POST"
        and form.is_bound
        and form.vas_set()
        and "vas" in getattr(form, "cleaned_data", {})
    ):
        vas_value = form.cleaned_data["vas"]
    context = {
        "lang": lang,
        "title": text["title"],
        "text": text,
        "clinic": enrollment.clinic.name,
        "intro": text["intro"].format(clinic=enrollment.clinic.name),
        "form": form,
        "sections": [(s, [form[name] for name in s.names]) for s in form.sections],
        "saved": saved,
        "vas_value": vas_value,
        "odi_missing": _missing_notice(form.index, odi_missing, lang) if odi_missing else "",
        "odi_too_few": (
            text["odi_too_few"].format(minimum=form.index.min_sections)
            if odi_missing and len(form.index.keys) - len(odi_missing) < form.index.min_sections
            else ""
        ),
    }
    return _private_page(render(request, "followup/webform/form.html", context))


def _missing_notice(index, missing: list[str], lang: str) -> str:
    # The ODI's or the NDI's sections, numbered as the patient saw them.
    titles = ", ".join(index.title(key, lang) for key in missing)
    return msg.WEB_TEXT[lang]["odi_missing"].format(sections=titles)
