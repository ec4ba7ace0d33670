"""Participation pages: forums, sessions, agreements, consultations, the calendar of
opportunities, citizen registration, and the secretariat's management pages."""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Callable
from pathlib import PurePath
from typing import Any

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    StreamingHttpResponse,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import user_has_device

from agora.core.errors import DomainError
from agora.core.files import file_response
from agora.core.nexturl import safe_next
from agora.core.pagecache import anonymous_page
from agora.core.permissions import user_requires_2fa
from agora.core.ratelimit import rate_limit
from agora.core.text import csv_cell
from agora.participation import calendar_feed, documents, forms, permissions, selectors, services
from agora.participation.models import (
    AdmissionRequest,
    Agreement,
    Comment,
    CommentStatus,
    Consultation,
    DocumentVersion,
    ForumMembership,
    Representative,
    RepresentativeRole,
)

COMMENTS_PAGE = 50
# Bounds what a consultation page's key could miss (a renamed forum's other fields, say).
CONSULTATION_PAGE_SECONDS = 600
REPORT_PAGE = 100


def _fail(request: HttpRequest, exc: DomainError) -> None:
    messages.error(request, " ".join(exc.messages))


# A refused comment's text, shown once in the box of the paragraph it was written for.
_DRAFT = "participation:comment_draft"


def _draft_keep(request: HttpRequest, slug: str, label: str) -> None:
    body = str(request.POST.get("body", ""))[: forms.MAX_COMMENT_CHARS]
    if body.strip():
        request.session[_DRAFT] = {"slug": slug, "paragraph": label, "body": body}


def _draft_take(request: HttpRequest, slug: str, label: str) -> str:
    draft = request.session.pop(_DRAFT, None) if hasattr(request, "session") else None
    if isinstance(draft, dict) and draft.get("slug") == slug and draft.get("paragraph") == label:
        return str(draft.get("body", ""))
    return ""


def _form_errors(request: HttpRequest, form: Any) -> None:
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        for error in errors:
            messages.error(request, f"{label}: {error}" if label else str(error))


# --- Public pages --------------------------------------------------------------------------


def index(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "participation/index.html",
        {
            "forums": selectors.forum_list(request.user),
            "opportunities": selectors.opportunities()[:10],
            "subscription_form": forms.SubscriptionForm(),
        },
    )


def forum_detail(request: HttpRequest, slug: str) -> HttpResponse:
    forum = selectors.forum_get(request.user, slug)
    role = selectors.forum_role(request.user, forum)
    seats = selectors.forum_seats(forum)
    sessions = selectors.forum_sessions(request.user, forum)
    return render(
        request,
        "participation/forum_detail.html",
        {
            "forum": forum,
            "role": role,
            "seats": seats,
            "missing": [s for s in seats if s.missing],
            "members": selectors.forum_members(forum),
            "action_plans": selectors.forum_action_plans(forum),
            "upcoming": sessions.filter(starts_at__gte=timezone.now()).order_by("starts_at")[:5],
            "past": sessions.filter(starts_at__lt=timezone.now())[:10],
            "summary": selectors.agreement_summary(selectors.forum_agreements(request.user, forum)),
            "consultations": selectors.consultations_visible(request.user).filter(forum=forum),
        },
    )


def agreements(request: HttpRequest, slug: str) -> HttpResponse:
    forum = selectors.forum_get(request.user, slug)
    rows = selectors.forum_agreements(request.user, forum)
    return render(
        request,
        "participation/agreements.html",
        {
            "forum": forum,
            "agreements": rows,
            "summary": selectors.agreement_summary(rows),
            "today": timezone.localdate(),
        },
    )


def evaluation(request: HttpRequest, slug: str) -> HttpResponse:
    forum = selectors.forum_get(request.user, slug)
    return render(
        request,
        "participation/evaluation.html",
        {"forum": forum, "evaluation": selectors.forum_evaluation(forum)},
    )


def session_detail(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    forum = selectors.forum_get(request.user, slug)
    session = selectors.session_get(request.user, forum, number)
    show_minutes = selectors.minutes_visible(request.user, session)
    return render(
        request,
        "participation/session_detail.html",
        {
            "forum": forum,
            "session": session,
            "role": selectors.forum_role(request.user, forum),
            "agenda_html": documents.markdown_render(session.agenda),
            "minutes_html": documents.markdown_render(session.minutes_md) if show_minutes else "",
            "attendance": selectors.session_attendance(session),
            "quorum": selectors.session_quorum_status(session),
            "session_agreements": session.agreements.filter(is_public=True),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def admission_request(request: HttpRequest, slug: str) -> HttpResponse:
    forum = selectors.forum_get(request.user, slug)
    form = forms.AdmissionForm(
        request.POST or None, request.FILES or None, requirements=forum.requirements
    )
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            docs = []
            if data.get("document"):
                docs.append((data.get("document_title") or data["document"].name, data["document"]))
            try:
                services.admission_request_submit(
                    actor=request.user,  # type: ignore[arg-type]
                    forum=forum,
                    organisation_name=data["organisation_name"],
                    stakeholder_type=data["stakeholder_type"],
                    vote=data["vote"],
                    checklist=form.checklist(),
                    motivation=data.get("motivation", ""),
                    ruc=data.get("ruc", ""),
                    website=data.get("website", ""),
                    documents_in=docs,
                )
            except DomainError as exc:
                _fail(request, exc)
            else:
                messages.success(
                    request,
                    _("Solicitud enviada. La secretaría técnica la revisará y le responderá."),
                )
                return redirect(forum.get_absolute_url())
        else:
            _form_errors(request, form)
    return render(
        request,
        "participation/admission_request.html",
        {
            "forum": forum,
            "form": form,
            "verified": permissions.is_verified_citizen(request.user),
        },
        status=400 if request.method == "POST" else 200,
    )


def admission_document(request: HttpRequest, slug: str, pk: int) -> FileResponse:
    """An admission document, served only to the forum's secretariat, rector staff and the
    applicant (never from a public media address)."""
    forum = selectors.forum_get(request.user, slug)
    document = selectors.admission_document_get(request.user, forum, pk)
    extension = PurePath(document.file.name).suffix.lower()
    name = "%s%s" % (slugify(document.title)[:80] or "documento", extension)
    return file_response(document.file, download_name=name)


def consultations(request: HttpRequest) -> HttpResponse:
    rows = selectors.consultations_visible(request.user).select_related("forum")
    return render(
        request,
        "participation/consultations.html",
        {"consultations": rows, "now": timezone.now()},
    )


def _shown(consultation: Consultation) -> tuple[Any, ...]:
    """What a consultation's public pages show of it, for the keys of kept pages."""
    forum = consultation.forum
    return (
        consultation.pk,
        consultation.title,
        consultation.summary,
        consultation.opens_at,
        consultation.closes_at,
        consultation.is_published,
        consultation.is_demo,
        (forum.pk, forum.name, forum.slug) if forum else None,
        consultation.comments_revision,
        consultation.is_open(),
        consultation.is_closed(),
    )


def consultation_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """The document with its comments. Anonymous visitors get the page kept whole, keyed on
    everything it shows: the consultation's fields, its latest version, the comments' revision,
    whether it is open, and the paragraph, view and page asked for."""
    consultation = selectors.consultation_get(request.user, slug)
    version = selectors.consultation_version(consultation)
    is_open, is_closed = consultation.is_open(), consultation.is_closed()
    parts = (
        _shown(consultation),
        version.pk,
        # The whole query: the page's sign-in link carries it back ("next").
        sorted(request.GET.lists()),
    )
    return anonymous_page(
        request,
        prefix="participation:consultation",
        parts=parts,
        build=lambda: _consultation_page(request, consultation, version, is_open, is_closed),
        timeout=CONSULTATION_PAGE_SECONDS,
    )


def _consultation_page(
    request: HttpRequest,
    consultation: Consultation,
    version: DocumentVersion,
    is_open: bool,
    is_closed: bool,
) -> HttpResponse:
    # The document with its per-paragraph counts is rendered once per comments revision.
    key = f"participation:doc:{version.pk}:{consultation.comments_revision}"
    cached = cache.get(key)
    if cached is None:
        document = selectors.consultation_document(consultation, version)
        cached = (
            render_to_string("participation/_document.html", {"document": document}),
            document.total_comments,
            document.general_count,
        )
        cache.set(key, cached, 3600)
    document_html, total_comments, general_count = cached
    paragraph = selectors.paragraph_get(version, request.GET.get("parrafo", ""))
    general = request.GET.get("ver") == "generales"
    comments_page = None
    if paragraph is not None or general:
        paginator = Paginator(
            selectors.comments_public(consultation, paragraph=paragraph, general=general),
            COMMENTS_PAGE,
        )
        comments_page = paginator.get_page(request.GET.get("pagina"))
    return render(
        request,
        "participation/consultation_detail.html",
        {
            "consultation": consultation,
            "version": version,
            "document_html": document_html,  # SafeString from render_to_string (kept by pickle)
            "total_comments": total_comments,
            "general_count": general_count,
            "paragraph": paragraph,
            "general": general,
            "comments_page": comments_page,
            "is_open": is_open,
            "is_closed": is_closed,
            "can_comment": permissions.is_verified_citizen(request.user),
            "min_comment_chars": services.MIN_COMMENT_CHARS,
            "own_pending": selectors.comments_own_unpublished(
                request.user, consultation, paragraph=paragraph, general=general
            ),
            "can_manage": permissions.may_manage_consultation(request.user, consultation),
            "form": forms.CommentForm(
                initial={
                    "paragraph": paragraph.label if paragraph else "",
                    "body": _draft_take(
                        request, consultation.slug, paragraph.label if paragraph else ""
                    ),
                }
            ),
            "previous_versions": consultation.versions.filter(number__lt=version.number),
        },
    )


@require_POST
def consultation_comment(request: HttpRequest, slug: str) -> HttpResponse:
    consultation = selectors.consultation_get(request.user, slug)
    form = forms.CommentForm(request.POST)
    target = consultation.get_absolute_url()
    label = str(request.POST.get("paragraph", ""))[:20]
    # Back to the paragraph (or the general comments) the citizen was reading.
    here = f"{target}?{urlencode({'parrafo': label} if label else {'ver': 'generales'})}"
    here += "#comentarios"
    if not request.user.is_authenticated:
        messages.error(request, _("Ingrese con su cuenta verificada para comentar."))
        return redirect(f"{reverse('two_factor:login')}?{urlencode({'next': here})}")
    if not form.is_valid():
        _form_errors(request, form)
        _draft_keep(request, slug, label)
        return redirect(here)
    version = selectors.consultation_version(consultation)
    label = form.cleaned_data.get("paragraph") or ""
    try:
        paragraph = selectors.paragraph_get(version, label)
        comment = services.comment_submit(
            actor=request.user,
            consultation=consultation,
            paragraph=paragraph,
            body=form.cleaned_data["body"],
        )
    except Http404:
        messages.error(request, _("El párrafo indicado no existe en la versión vigente."))
    except DomainError as exc:
        _fail(request, exc)
        _draft_keep(request, slug, label)
    else:
        if comment.status == CommentStatus.PUBLICADO:
            messages.success(
                request, _("Gracias: su comentario fue registrado y ya está publicado.")
            )
        else:
            # Honest about what happens next: it is not public yet, and it may never be.
            messages.warning(
                request,
                _(
                    "Su comentario quedó en revisión: nuestro filtro de lenguaje encontró "
                    "posibles %(flags)s. No se publica todavía; la secretaría técnica lo "
                    "revisará y decidirá si lo publica. Mientras tanto solo usted lo ve aquí, "
                    "marcado «En revisión»."
                )
                % {"flags": ", ".join(selectors.flag_labels(comment.flags)) or _("problemas")},
            )
    return redirect(here)


def consultation_report(request: HttpRequest, slug: str) -> HttpResponse:
    consultation = selectors.consultation_get(request.user, slug)
    can_manage = permissions.may_manage_consultation(request.user, consultation)
    if not consultation.is_closed() and not can_manage:
        return render(
            request,
            "participation/report_pending.html",
            {"consultation": consultation},
            status=404,
        )

    def build() -> HttpResponse:
        summary = _report_summary(consultation)
        paginator = _KnownCountPaginator(
            selectors.consultation_report_rows(consultation), REPORT_PAGE, known=summary["total"]
        )
        return render(
            request,
            "participation/report.html",
            {
                "consultation": consultation,
                "summary": summary,
                "page": paginator.get_page(request.GET.get("pagina")),
            },
        )

    return anonymous_page(
        request,
        prefix="participation:report",
        parts=(_shown(consultation), sorted(request.GET.lists())),
        build=build,
        timeout=CONSULTATION_PAGE_SECONDS,
    )


class _KnownCountPaginator(Paginator):
    """A paginator told the row count (from the cached summary): no COUNT(*) per page."""

    def __init__(self, object_list: Any, per_page: int, *, known: int) -> None:
        super().__init__(object_list, per_page)
        self._known = known

    @property
    def count(self) -> int:
        return self._known


def _report_summary(consultation: Consultation) -> dict[str, int]:
    key = f"participation:summary:{consultation.pk}:{consultation.comments_revision}"
    summary = cache.get(key)
    if summary is None:
        summary = selectors.consultation_report_summary(consultation)
        cache.set(key, summary, 3600)
    return summary


def _report_allowed(request: HttpRequest, consultation: Consultation) -> None:
    if not consultation.is_closed() and not permissions.may_manage_consultation(
        request.user, consultation
    ):
        raise Http404


class _Echo:
    def write(self, value: str) -> str:
        return value


def consultation_report_csv(request: HttpRequest, slug: str) -> StreamingHttpResponse:
    consultation = selectors.consultation_get(request.user, slug)
    _report_allowed(request, consultation)
    writer = csv.writer(_Echo())

    def rows() -> Any:
        yield "\ufeff"
        yield writer.writerow(
            [
                _("n.°"),
                _("párrafo"),
                _("versión"),
                _("participante"),
                _("fecha"),
                _("estado"),
                _("comentario"),
                _("respuesta"),
                _("fundamento"),
                _("dato de demostración"),
            ]
        )
        for comment in selectors.consultation_report_rows(consultation).iterator(2000):
            # Every cell goes through csv_cell: bodies, signatures and answers are free text
            # that a spreadsheet would otherwise run as a formula (=, +, -, @).
            yield writer.writerow([csv_cell(value) for value in _report_row(comment)])

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="informe-{consultation.slug}.csv"'
    return response


def _report_row(comment: Comment) -> list[str]:
    hidden = comment.status != "publicado"
    return [
        str(comment.pk),
        comment.paragraph.label if comment.paragraph else _("documento completo"),
        str(comment.version.number),
        comment.author_label,
        timezone.localtime(comment.created_at).strftime("%Y-%m-%d %H:%M"),
        comment.get_status_display(),
        (
            _("[No publicado: %(reason)s]")
            % {"reason": comment.moderation_reason or _("en revisión")}
        )
        if hidden
        else comment.body,
        comment.get_answer_outcome_display() if comment.answer_outcome else _("sin respuesta"),
        comment.answer_reason,
        _("sí") if comment.is_demo else _("no"),
    ]


def consultation_report_pdf(request: HttpRequest, slug: str) -> HttpResponse:
    """The PDF is rendered once per state of the comments (count, last answer, last
    moderation) and kept in the cache: WeasyPrint takes seconds on large consultations."""
    from django.db.models import Count, Max
    from weasyprint import HTML

    consultation = selectors.consultation_get(request.user, slug)
    _report_allowed(request, consultation)
    state = consultation.comments.aggregate(
        n=Count("id"), answered=Max("answered_at"), moderated=Max("moderated_at")
    )
    key = "participation:report-pdf:%s:%s" % (
        consultation.pk,
        hashlib.sha256(repr(sorted(state.items())).encode()).hexdigest()[:16],
    )
    pdf = cache.get(key)
    if pdf is None:
        html = render_to_string(
            "participation/report_pdf.html",
            {
                "consultation": consultation,
                "summary": selectors.consultation_report_summary(consultation),
                "rows": [_report_row(c) for c in selectors.consultation_report_rows(consultation)],
                "generated": timezone.localtime(),
            },
        )
        pdf = HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf()
        cache.set(key, pdf, 24 * 3600)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="informe-{consultation.slug}.pdf"'
    return response


def consultation_version(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    consultation = selectors.consultation_get(request.user, slug)
    version = selectors.consultation_version(consultation, number)
    previous = consultation.versions.filter(number__lt=number).order_by("-number").first()
    diff = documents.document_diff(previous.source_md, version.source_md) if previous else []
    return render(
        request,
        "participation/version.html",
        {
            "consultation": consultation,
            "version": version,
            "previous": previous,
            "diff": diff,
            "changed": any(line.kind != "same" for line in diff),
        },
    )


# --- Calendar and subscriptions ------------------------------------------------------------


def calendar(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "participation/calendar.html",
        {"opportunities": selectors.opportunities(), "form": forms.SubscriptionForm()},
    )


def calendar_ics(request: HttpRequest) -> HttpResponse:
    body = calendar_feed.opportunities_ical(
        selectors.opportunities(), request.build_absolute_uri("/")
    )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="oportunidades-participacion.ics"'
    return response


@require_POST
def subscribe(request: HttpRequest) -> HttpResponse:
    form = forms.SubscriptionForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
    else:
        rate_limit("suscripcion", request=request, address=form.cleaned_data["email"])
        try:
            services.subscription_request(email=form.cleaned_data["email"])
        except DomainError as exc:
            _fail(request, exc)
        else:
            messages.success(request, _("Le enviamos un correo para confirmar su suscripción."))
    return redirect("participation:calendar")


def subscription_confirm(request: HttpRequest, token: str) -> HttpResponse:
    return _token_page(
        request,
        lambda: services.subscription_confirm(token=token),
        _("Su suscripción está confirmada: le avisaremos de nuevas consultas y sesiones."),
    )


def subscription_cancel(request: HttpRequest, token: str) -> HttpResponse:
    return _token_page(
        request,
        lambda: services.subscription_cancel(token=token),
        _("Su suscripción fue dada de baja. No recibirá más avisos."),
    )


def _token_page(request: HttpRequest, action: Callable[[], Any], success: str) -> HttpResponse:
    try:
        action()
    except DomainError as exc:
        return render(
            request,
            "participation/message.html",
            {"title": _("Enlace no válido"), "text": " ".join(exc.messages)},
            status=400,
        )
    return render(request, "participation/message.html", {"title": _("Listo"), "text": success})


# --- Citizens ------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def register(request: HttpRequest) -> HttpResponse:
    """Creates the account and e-mails the verification link, which signs the citizen in and
    takes them back to the page they came from (``next``). The answer is the same whether or
    not the address already had an account."""
    next_url = safe_next(request, request.POST.get("next") or request.GET.get("next"))
    form = forms.RegisterForm(request.POST or None, initial={"next": next_url})
    if request.method == "POST":
        if form.is_valid():
            rate_limit("registro", request=request, address=form.cleaned_data["email"])
            try:
                services.citizen_register(
                    email=form.cleaned_data["email"],
                    password=form.cleaned_data["password"],
                    password_confirm=form.cleaned_data["password_confirm"],
                    next_url=next_url,
                )
            except DomainError as exc:
                _fail(request, exc)
            else:
                return render(
                    request,
                    "participation/message.html",
                    {
                        "title": _("Revise su correo"),
                        "text": _(
                            "Le enviamos un mensaje a %(email)s. Abra el enlace que trae en "
                            "los próximos 3 días: verifica su correo, le hace ingresar y le "
                            "trae de vuelta aquí, listo para comentar. Si ya tenía una cuenta "
                            "con ese correo, el mensaje le dice cómo recuperar su contraseña. "
                            "Si no llega en unos minutos, revise la carpeta de correo no deseado."
                        )
                        % {"email": form.cleaned_data["email"].strip().lower()},
                    },
                )
        else:
            _form_errors(request, form)
    return render(
        request,
        "participation/register.html",
        {"form": form, "next": next_url},
        status=400 if request.method == "POST" else 200,
    )


def verify(request: HttpRequest, token: str) -> HttpResponse:
    """Verifies the address. The first time, the link also signs the citizen in (it proves
    they hold the mailbox, as a password-recovery link does) and takes them back to where they
    started; a link used again only asks them to sign in."""
    try:
        user, first_time = services.citizen_verify_first(token=token)
    except DomainError as exc:
        return render(
            request,
            "participation/message.html",
            {"title": _("Enlace no válido"), "text": " ".join(exc.messages)},
            status=400,
        )
    next_url = safe_next(
        request,
        services.citizen_verification_next(token=token),
        reverse("participation:consultations"),
    )
    if (
        first_time
        and not request.user.is_authenticated
        and not user_requires_2fa(user)
        and not user_has_device(user)
    ):
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    if request.user.is_authenticated and request.user.pk == user.pk:
        messages.success(request, _("Su correo electrónico está verificado. Ya puede comentar."))
        return redirect(next_url)
    return render(
        request,
        "participation/message.html",
        {
            "title": _("Correo verificado"),
            "text": _("Su correo electrónico está verificado. Ingrese para comentar."),
            "link_url": f"{reverse('two_factor:login')}?{urlencode({'next': next_url})}",
            "link_text": _("Ingresar y continuar"),
        },
    )


@login_required
@require_POST
def verification_resend(request: HttpRequest) -> HttpResponse:
    next_url = safe_next(request, request.POST.get("next"), reverse("participation:index"))
    if permissions.is_verified_citizen(request.user) or not request.user.email:  # type: ignore[union-attr]
        messages.info(request, _("No hay nada que verificar."))
    else:
        rate_limit("verificacion", request=request, address=request.user.email)  # type: ignore[union-attr]
        services.citizen_verification_send(user=request.user, next_url=next_url)  # type: ignore[arg-type]
        messages.success(request, _("Le enviamos un nuevo enlace de verificación."))
    return redirect(next_url)


# --- Secretariat ---------------------------------------------------------------------------


def _secretariat_forum(request: HttpRequest, slug: str) -> Any:
    forum = selectors.forum_get(request.user, slug)
    if selectors.forum_role(request.user, forum) != selectors.SECRETARIAT:
        raise PermissionDenied
    return forum


@login_required
@require_http_methods(["GET", "POST"])
def forum_manage(request: HttpRequest, slug: str) -> HttpResponse:
    forum = _secretariat_forum(request, slug)
    user: Any = request.user
    if request.method == "POST":
        action = request.POST.get("accion", "")
        try:
            _forum_action(request, user, forum, action)
        except DomainError as exc:
            _fail(request, exc)
        return redirect("participation:forum_manage", slug=forum.slug)
    return render(
        request,
        "participation/forum_manage.html",
        {
            "forum": forum,
            "requests": selectors.admission_requests_pending(user, forum),
            "members": selectors.forum_members(forum),
            "seats": selectors.forum_seats(forum),
            "agreements": selectors.forum_agreements(user, forum),
            "sessions": forum.sessions.order_by("-starts_at")[:20],
            "seat_form": forms.SeatForm(),
            "session_form": forms.SessionForm(initial={"convocation_days": forum.convocation_days}),
            "agreement_form": forms.AgreementForm(forum=forum),
            "decision_form": forms.DecisionForm(),
            "representative_roles": RepresentativeRole.choices,
            "status_form": forms.AgreementStatusForm(),
            "forum_form": forms.ForumEditForm(
                initial={
                    "name": forum.name,
                    "status": forum.status,
                    "purpose": forum.purpose,
                    "commitments_reference": forum.commitments_reference,
                    "requirements": "\n".join(forum.requirements),
                    "term_months": forum.term_months,
                    "convocation_days": forum.convocation_days,
                    "quorum_percent": forum.quorum_percent,
                }
            ),
        },
    )


def _forum_decide(request: HttpRequest, user: Any, forum: Any) -> str:
    form = forms.DecisionForm(request.POST)
    if not form.is_valid():
        raise DomainError(_("Indique la decisión y su motivo."))
    admission = AdmissionRequest.objects.filter(
        pk=form.cleaned_data["request"], forum=forum
    ).first()
    if admission is None:
        raise DomainError(_("La solicitud no existe."))
    services.admission_decide(
        actor=user,
        request=admission,
        admit=form.cleaned_data["admit"],
        reason=form.cleaned_data["reason"],
        applicant_as_titular=form.cleaned_data["applicant_as_titular"],
    )
    return _("Decisión registrada.")


def _forum_representative(request: HttpRequest, user: Any, forum: Any) -> str:
    form = forms.RepresentativeForm(request.POST)
    if not form.is_valid():
        raise DomainError(_("Indique el rol, el usuario o correo y el nombre del representante."))
    data = form.cleaned_data
    membership = ForumMembership.objects.filter(pk=data["membership"], forum=forum).first()
    if membership is None:
        raise DomainError(_("La membresía no existe."))
    person = services.user_by_login(data["login"])
    services.representative_set(
        actor=user,
        membership=membership,
        role=data["role"],
        full_name=data["full_name"],
        position=data["position"],
        email=person.email,
        user=person,
    )
    return _("Representante registrado.")


def _forum_representative_end(request: HttpRequest, user: Any, forum: Any) -> str:
    form = forms.RepresentativeEndForm(request.POST)
    representative = (
        Representative.objects.filter(
            pk=form.cleaned_data["representative"], membership__forum=forum
        ).first()
        if form.is_valid()
        else None
    )
    if representative is None:
        raise DomainError(_("El representante no existe."))
    services.representative_end(actor=user, representative=representative)
    return _("Representante dado de baja.")


def _forum_edit(request: HttpRequest, user: Any, forum: Any) -> str:
    form = forms.ForumEditForm(request.POST)
    if not form.is_valid():
        raise DomainError(
            [_("Revise los datos del foro.")]
            + [
                f"{form.fields[field].label}: {error}"
                for field, errors in form.errors.items()
                if field in form.fields
                for error in errors
            ]
        )
    data = {k: v for k, v in form.cleaned_data.items() if v is not None}
    services.forum_save(actor=user, forum=forum, **data)
    return _("Foro actualizado.")


def _forum_seats(request: HttpRequest, user: Any, forum: Any) -> str:
    form = forms.SeatForm(request.POST)
    if not form.is_valid():
        raise DomainError(_("Revise el mínimo y el máximo de asientos."))
    services.seat_rule_set(actor=user, forum=forum, **form.cleaned_data)
    return _("Asientos actualizados.")


def _forum_session(request: HttpRequest, user: Any, forum: Any) -> str:
    form = forms.SessionForm(request.POST)
    if not form.is_valid():
        raise DomainError(_("Revise los datos de la sesión."))
    services.session_schedule(actor=user, forum=forum, **form.cleaned_data)
    return _("Sesión programada.")


def _forum_agreement(request: HttpRequest, user: Any, forum: Any) -> str:
    form = forms.AgreementForm(request.POST, forum=forum)
    if not form.is_valid():
        raise DomainError(
            [_("Revise los datos del acuerdo.")]
            + [str(error) for errors in form.errors.values() for error in errors]
        )
    services.agreement_create(actor=user, forum=forum, draft=_agreement_draft(form.cleaned_data))
    return _("Acuerdo registrado.")


def _forum_agreement_status(request: HttpRequest, user: Any, forum: Any) -> str:
    form = forms.AgreementStatusForm(request.POST)
    if not form.is_valid():
        raise DomainError(_("Revise el estado del acuerdo."))
    agreement = Agreement.objects.filter(pk=form.cleaned_data["agreement"], forum=forum).first()
    if agreement is None:
        raise DomainError(_("El acuerdo no existe."))
    services.agreement_update(
        actor=user,
        agreement=agreement,
        status=form.cleaned_data["status"],
        fulfilled_on=form.cleaned_data.get("fulfilled_on"),
    )
    return _("Acuerdo actualizado.")


def _forum_membership_end(request: HttpRequest, user: Any, forum: Any) -> str:
    membership = ForumMembership.objects.filter(
        pk=request.POST.get("membresia") or 0, forum=forum
    ).first()
    if membership is None:
        raise DomainError(_("La membresía no existe."))
    services.membership_end(
        actor=user, membership=membership, reason=request.POST.get("motivo", "")
    )
    return _("Membresía terminada.")


# The forms of the secretariat's page, by the ``accion`` they post: each reads its form,
# calls its service and returns the message that confirms it (a DomainError otherwise).
_FORUM_ACTIONS: dict[str, Callable[[HttpRequest, Any, Any], str]] = {
    "decidir": _forum_decide,
    "representante": _forum_representative,
    "fin_representante": _forum_representative_end,
    "foro": _forum_edit,
    "asientos": _forum_seats,
    "sesion": _forum_session,
    "acuerdo": _forum_agreement,
    "estado_acuerdo": _forum_agreement_status,
    "retirar": _forum_membership_end,
}


def _forum_action(request: HttpRequest, user: Any, forum: Any, action: str) -> None:
    handler = _FORUM_ACTIONS.get(action)
    if handler is None:
        raise DomainError(_("Acción desconocida."))
    messages.success(request, handler(request, user, forum))


def _agreement_draft(data: dict[str, Any]) -> services.AgreementDraft:
    """What an agreement form's cleaned data says (create and edit)."""
    code = data.get("responsible_entity") or ""
    return services.AgreementDraft(
        text=data["text"],
        responsible=data.get("responsible") or "",
        responsible_entity=services.entity_by_code(code) if code else None,
        due_date=data["due_date"],
        session=data.get("session"),
        decision_kind=data.get("decision_kind") or "",
        decision_direction=data.get("decision_direction") or "",
        decision_reference=data.get("decision_reference") or "",
        decision_url=data.get("decision_url") or "",
    )


@login_required
@require_http_methods(["GET", "POST"])
def agreement_edit(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    """The secretariat corrects an agreement's text, responsible, due date, session and
    linked government decision; invalid data re-renders the form and changes nothing."""
    forum = _secretariat_forum(request, slug)
    agreement = get_object_or_404(
        Agreement.objects.select_related("forum", "responsible_entity", "session"),
        forum=forum,
        number=number,
    )
    user: Any = request.user
    form = forms.AgreementEditForm(request.POST or None, agreement=agreement)
    errors: list[str] = []
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                before = agreement.updated_at
                services.agreement_edit(
                    actor=user, agreement=agreement, draft=_agreement_draft(form.cleaned_data)
                )
            except DomainError as exc:
                errors = list(exc.messages)
            else:
                if agreement.updated_at == before:
                    messages.info(request, _("No había cambios que guardar en el acuerdo."))
                else:
                    messages.success(
                        request,
                        _("Acuerdo %(n)s actualizado.") % {"n": agreement.number},
                    )
                return redirect(
                    reverse("participation:forum_manage", kwargs={"slug": forum.slug}) + "#acuerdos"
                )
        status = 400
    return render(
        request,
        "participation/agreement_edit.html",
        {"forum": forum, "agreement": agreement, "form": form, "errors": errors},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def session_manage(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    forum = _secretariat_forum(request, slug)
    session = selectors.session_get(request.user, forum, number)
    user: Any = request.user
    if request.method == "POST":
        action = request.POST.get("accion", "")
        try:
            if action == "asistencia":
                ids = [int(v) for v in request.POST.getlist("presentes") if v.isdigit()]
                services.attendance_record(actor=user, session=session, present=ids)
                messages.success(request, _("Asistencia registrada."))
            elif action == "cerrar":
                services.session_close(
                    actor=user, session=session, valid=request.POST.get("valida") == "1"
                )
                messages.success(request, _("Sesión cerrada."))
            elif action == "acta":
                services.minutes_save(
                    actor=user, session=session, text=request.POST.get("text", "")
                )
                messages.success(request, _("Acta guardada como borrador."))
            elif action == "aprobar":
                services.minutes_approve(actor=user, session=session)
                messages.success(request, _("Acta aprobada."))
            elif action == "publicar":
                services.minutes_publish(actor=user, session=session)
                messages.success(request, _("Acta publicada."))
            elif action == "convocar":
                if session.convocation_sent_at is not None:
                    raise DomainError(_("La convocatoria ya fue enviada."))
                services.session_convoke(session=session)
                messages.success(request, _("Convocatoria enviada."))
            else:
                raise DomainError(_("Acción desconocida."))
        except DomainError as exc:
            _fail(request, exc)
        return redirect("participation:session_manage", slug=forum.slug, number=session.number)
    present = {a.membership_id for a in session.attendance.all() if a.present}
    return render(
        request,
        "participation/session_manage.html",
        {
            "forum": forum,
            "session": session,
            "members": selectors.forum_members(forum),
            "present": present,
            "quorum": selectors.session_quorum_status(session),
            "minutes_form": forms.MinutesForm(initial={"text": session.minutes_md}),
        },
    )


def _managed_consultation(request: HttpRequest, slug: str) -> Consultation:
    consultation = selectors.consultation_get(request.user, slug)
    if not permissions.may_manage_consultation(request.user, consultation):
        raise PermissionDenied
    return consultation


@login_required
@require_http_methods(["GET", "POST"])
def consultation_manage(request: HttpRequest, slug: str) -> HttpResponse:
    consultation = _managed_consultation(request, slug)
    user: Any = request.user
    if request.method == "POST":
        action = request.POST.get("accion", "")
        try:
            _consultation_action(request, user, consultation, action)
        except DomainError as exc:
            _fail(request, exc)
        return redirect("participation:consultation_manage", slug=consultation.slug)
    paginator = Paginator(selectors.comments_unanswered(consultation), REPORT_PAGE)
    return render(
        request,
        "participation/consultation_manage.html",
        {
            "consultation": consultation,
            "review": selectors.comments_for_review(consultation)[:100],
            "unanswered": paginator.get_page(request.GET.get("pagina")),
            "summary": selectors.consultation_report_summary(consultation),
            "version_form": forms.VersionForm(
                initial={"source_md": selectors.consultation_version(consultation).source_md}
            ),
            "is_closed": consultation.is_closed(),
        },
    )


def _consultation_action(
    request: HttpRequest, user: Any, consultation: Consultation, action: str
) -> None:
    form: Any
    if action == "publicar":
        services.consultation_publish(actor=user, consultation=consultation)
        messages.success(request, _("Consulta publicada."))
    elif action in ("responder", "moderar"):
        form = (forms.AnswerForm if action == "responder" else forms.ModerationForm)(request.POST)
        if not form.is_valid():
            raise DomainError(_("Complete la respuesta y su fundamento."))
        comment = Comment.objects.filter(
            pk=form.cleaned_data["comment"], consultation=consultation
        ).first()
        if comment is None:
            raise DomainError(_("El comentario no existe."))
        if action == "responder":
            services.comment_answer(
                actor=user,
                comment=comment,
                outcome=form.cleaned_data["outcome"],
                reason=form.cleaned_data["reason"],
            )
            messages.success(request, _("Respuesta registrada."))
        else:
            services.comment_moderate(
                actor=user,
                comment=comment,
                publish=form.cleaned_data["publish"],
                reason=form.cleaned_data["reason"],
            )
            messages.success(request, _("Moderación registrada."))
    elif action == "version":
        form = forms.VersionForm(request.POST)
        if not form.is_valid():
            raise DomainError(_("Escriba la nueva versión y la nota de cambios."))
        version = services.consultation_version_publish(
            actor=user, consultation=consultation, **form.cleaned_data
        )
        messages.success(request, _("Versión %(n)s publicada.") % {"n": version.number})
    else:
        raise DomainError(_("Acción desconocida."))


@login_required
@require_http_methods(["GET", "POST"])
def consultation_new(request: HttpRequest) -> HttpResponse:
    if not permissions.is_rector_staff(request.user):
        raise PermissionDenied
    forums = selectors.user_forums_as_secretariat(request.user)  # type: ignore[arg-type]
    form = forms.ConsultationForm(request.POST or None)
    if request.method == "POST":
        forum = forums.filter(pk=request.POST.get("foro") or 0).first()
        if request.POST.get("foro") and forum is None:
            # A forum the person does not run: refuse rather than create a forum-less draft.
            messages.error(request, _("Solo puede crear consultas de los foros que administra."))
        elif form.is_valid():
            try:
                consultation = services.consultation_create(
                    actor=request.user,  # type: ignore[arg-type]
                    forum=forum,
                    **form.cleaned_data,
                )
            except DomainError as exc:
                _fail(request, exc)
            else:
                messages.success(request, _("Consulta creada como borrador."))
                return redirect("participation:consultation_manage", slug=consultation.slug)
        else:
            _form_errors(request, form)
    return render(
        request,
        "participation/consultation_new.html",
        {"form": form, "forums": forums},
        status=400 if request.method == "POST" else 200,
    )
