"""Staff pages of publishing with a plan, under /publicaciones/. Thin: the selectors scope what
each person reads, the services decide and record every change."""

from __future__ import annotations

import datetime as dt
from contextlib import suppress
from typing import Any, cast

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from agora.core.errors import DomainError, PermissionDeniedError
from agora.core.files import file_response
from agora.core.models import User
from agora.core.permissions import staff_required
from agora.directory import roles
from agora.directory.models import Entity
from agora.publishing import permissions, selectors, services
from agora.publishing.forms import PlanForm, PostForm, RejectForm, SettingsForm
from agora.publishing.models import ContentPlan, PlannedPost, PostStatus, PublishingSettings

HISTORY_LABELS = {
    "publicacion.creada": _lazy("Creó el borrador"),
    "publicacion.editada": _lazy("Editó la publicación"),
    "publicacion.lineamientos_revisados": _lazy("Revisó los lineamientos"),
    "publicacion.enviada_a_revision": _lazy("La envió a revisión"),
    "publicacion.aprobada": _lazy("La aprobó"),
    "publicacion.rechazada": _lazy("La rechazó"),
    "publicacion.programada": _lazy("Quedó programada para su hora"),
    "publicacion.publicada": _lazy("Se publicó en las redes"),
    "publicacion.fallida": _lazy("No se pudo publicar"),
}


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


def _error_text(error: DomainError) -> str:
    return " ".join(str(m) for m in error.messages)


def _refused(request: HttpRequest, error: DomainError, *, back: str) -> HttpResponse:
    """A refused action: its Spanish reason, with 403 (not allowed) or 400 (bad input)."""
    status = 403 if isinstance(error, PermissionDeniedError) else 400
    return render(
        request,
        "publishing/refused.html",
        {"reason": _error_text(error), "back": back},
        status=status,
    )


# --- plans --------------------------------------------------------------------------------------


@staff_required
@never_cache
@require_GET
def plan_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    plans = list(selectors.plans_for_staff(user).prefetch_related("themes"))
    writable = list(selectors.writable_entities(user))
    return render(
        request,
        "publishing/plans.html",
        {
            "plans": plans,
            "writable": writable,
            "managed": list(selectors.managed_entities(user)),
            "to_approve": selectors.posts_to_approve(user).count(),
            "is_approver": selectors.approver_entities(user).exists(),
            "show_entity": len({p.entity_id for p in plans}) > 1 or len(writable) != 1,
        },
    )


def _writable_entity(request: HttpRequest, code: str) -> Entity:
    entity = get_object_or_404(selectors.writable_entities(_user(request)), code=code)
    return entity


@staff_required
@never_cache
@require_http_methods(["GET", "POST"])
def plan_create(request: HttpRequest, code: str) -> HttpResponse:
    entity = _writable_entity(request, code)
    form = PlanForm(request.POST or None, entity=entity)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            plan = services.plan_create(
                actor=_user(request),
                entity=entity,
                title=data["title"],
                period_start=data["period_start"],
                period_end=data["period_end"],
                objectives=data["objectives"],
                accounts=data["accounts"],
                themes=data["themes"].splitlines(),
            )
        except DomainError as error:
            form.add_error(None, _error_text(error))
        else:
            messages.success(request, _("Plan de contenidos creado."))
            return redirect("publishing:plan", pk=plan.pk)
    return render(
        request,
        "publishing/plan_form.html",
        {"form": form, "entity": entity, "plan": None},
        status=400 if request.method == "POST" else 200,
    )


@staff_required
@never_cache
@require_http_methods(["GET", "POST"])
def plan_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    plan = selectors.plan_get_for_staff(user, pk)
    if not permissions.may_write(user, plan.entity):
        raise PermissionDenied(_("Solo el equipo de comunicaciones de la entidad edita su plan."))
    form = PlanForm(request.POST or None, entity=plan.entity, initial=PlanForm.initial_for(plan))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.plan_update(
                actor=user,
                plan=plan,
                title=data["title"],
                period_start=data["period_start"],
                period_end=data["period_end"],
                objectives=data["objectives"],
                accounts=data["accounts"],
                themes=data["themes"].splitlines(),
            )
        except DomainError as error:
            form.add_error(None, _error_text(error))
        else:
            messages.success(request, _("Plan de contenidos guardado."))
            return redirect("publishing:plan", pk=plan.pk)
    return render(
        request,
        "publishing/plan_form.html",
        {"form": form, "entity": plan.entity, "plan": plan},
        status=400 if request.method == "POST" else 200,
    )


@staff_required
@never_cache
@require_GET
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The plan with its calendar of posts, by week or by month."""
    user = _user(request)
    plan = selectors.plan_get_for_staff(user, pk)
    view = "semana" if request.GET.get("vista") == "semana" else "mes"
    raw = request.GET.get("fecha", "")
    if raw:
        try:
            day = dt.date.fromisoformat(raw[:10])
        except ValueError:
            return render(
                request,
                "publishing/refused.html",
                {
                    "reason": _("La fecha «%(raw)s» no es válida: use AAAA-MM-DD.")
                    % {"raw": raw[:20]},
                    "back": plan_url(plan),
                },
                status=400,
            )
    else:
        today = timezone.localdate()
        day = today if plan.period_start <= today <= plan.period_end else plan.period_start
    return render(
        request,
        "publishing/plan.html",
        {
            "plan": plan,
            "calendar": selectors.plan_calendar(plan, view=view, day=day),
            "themes": list(plan.themes.all()),
            "accounts": selectors.plan_accounts(plan),
            "can_write": permissions.may_write(user, plan.entity),
            "weekdays": [_("Lun"), _("Mar"), _("Mié"), _("Jue"), _("Vie"), _("Sáb"), _("Dom")],
        },
    )


def plan_url(plan: ContentPlan) -> str:
    from django.urls import reverse

    return reverse("publishing:plan", kwargs={"pk": plan.pk})


# --- posts --------------------------------------------------------------------------------------


def _post_kwargs(form: PostForm) -> dict[str, Any]:
    data = form.cleaned_data
    return {
        "title": data["title"],
        "theme": data["theme"],
        "scheduled_at": form.scheduled_at(),
        "texts": form.texts(),
        "media": data.get("media_file") or None,
        "media_alt": data["media_alt"],
        "own_infographic": data["own_infographic"],
        "commitment": data["commitment"],
        "milestone": data["milestone"],
        "evidence": data["evidence"],
    }


def _editor(
    request: HttpRequest, form: PostForm, *, plan: ContentPlan, post: PlannedPost | None
) -> HttpResponse:
    return render(
        request,
        "publishing/post_form.html",
        {
            "form": form,
            "plan": plan,
            "post": post,
            "public_link": services.public_link(post) if post else "",
        },
        status=400 if request.method == "POST" else 200,
    )


@staff_required
@never_cache
@require_http_methods(["GET", "POST"])
def post_create(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    plan = selectors.plan_get_for_staff(user, pk)
    if not permissions.may_write(user, plan.entity):
        raise PermissionDenied(
            _("Solo el equipo de comunicaciones de la entidad escribe en su plan.")
        )
    initial: dict[str, Any] = {"time": dt.time(10, 0)}
    if request.GET.get("fecha"):
        with suppress(ValueError):
            initial["date"] = dt.date.fromisoformat(request.GET["fecha"][:10])
    form = PostForm(request.POST or None, request.FILES or None, plan=plan, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            post = services.post_create(actor=user, plan=plan, **_post_kwargs(form))
        except DomainError as error:
            form.add_error(None, _error_text(error))
        else:
            messages.success(
                request, _("Borrador guardado. Revise las observaciones de los lineamientos.")
            )
            return redirect("publishing:post", pk=post.pk)
    return _editor(request, form, plan=plan, post=None)


@staff_required
@never_cache
@require_http_methods(["GET", "POST"])
def post_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    post = selectors.post_get_for_staff(user, pk)
    if not permissions.may_write(user, post.entity):
        raise PermissionDenied(
            _("Solo el equipo de comunicaciones de la entidad edita sus publicaciones.")
        )
    if post.status not in services.EDITABLE:
        return _refused(
            request,
            DomainError(
                _("Una publicación %(status)s ya no se edita.")
                % {"status": post.get_status_display().lower()}
            ),
            back=post_url(post),
        )
    form = PostForm(
        request.POST or None,
        request.FILES or None,
        plan=post.plan,
        initial=PostForm.initial_for(post),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.post_update(actor=user, post=post, **_post_kwargs(form))
        except DomainError as error:
            form.add_error(None, _error_text(error))
        else:
            messages.success(request, _("Publicación guardada como borrador."))
            return redirect("publishing:post", pk=post.pk)
    return _editor(request, form, plan=post.plan, post=post)


def post_url(post: PlannedPost) -> str:
    from django.urls import reverse

    return reverse("publishing:post", kwargs={"pk": post.pk})


@staff_required
@never_cache
@require_GET
def post_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    post = selectors.post_get_for_staff(user, pk)
    can_write = permissions.may_write(user, post.entity)
    return render(
        request,
        "publishing/post.html",
        {
            "post": post,
            "variants": list(post.variants.select_related("account")),
            "findings": list(post.findings.select_related("account")),
            "history": [
                (event, HISTORY_LABELS.get(event.verb, event.verb))
                for event in selectors.post_history(post)
            ],
            "public_link": services.public_link(post),
            "conversations": selectors.post_conversations(user, post),
            "can_edit": can_write and post.status in services.EDITABLE,
            "can_submit": can_write and post.status == PostStatus.BORRADOR,
            "can_check": can_write and post.status in services.EDITABLE,
            "can_decide": permissions.may_decide(user, post),
            "reject_form": RejectForm(),
        },
    )


def _action(request: HttpRequest, pk: int, run: Any, done: str) -> HttpResponse:
    user = _user(request)
    post = selectors.post_get_for_staff(user, pk)
    try:
        run(user, post)
    except DomainError as error:
        return _refused(request, error, back=post_url(post))
    messages.success(request, done)
    return redirect("publishing:post", pk=post.pk)


@staff_required
@require_POST
def post_check(request: HttpRequest, pk: int) -> HttpResponse:
    return _action(
        request,
        pk,
        lambda user, post: services.post_check_guidelines(actor=user, post=post),
        _("Lineamientos revisados."),
    )


@staff_required
@require_POST
def post_submit(request: HttpRequest, pk: int) -> HttpResponse:
    return _action(
        request,
        pk,
        lambda user, post: services.post_submit(actor=user, post=post),
        _("Publicación enviada a revisión."),
    )


@staff_required
@require_POST
def post_approve(request: HttpRequest, pk: int) -> HttpResponse:
    return _action(
        request,
        pk,
        lambda user, post: services.post_approve(actor=user, post=post),
        _("Publicación aprobada: se publicará a la hora programada."),
    )


@staff_required
@require_POST
def post_reject(request: HttpRequest, pk: int) -> HttpResponse:
    reason = request.POST.get("reason", "")
    return _action(
        request,
        pk,
        lambda user, post: services.post_reject(actor=user, post=post, reason=reason),
        _("Publicación rechazada; el autor verá el motivo."),
    )


@staff_required
@never_cache
@require_GET
def review_queue(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    return render(
        request,
        "publishing/review_queue.html",
        {
            "posts": list(selectors.posts_to_approve(user)[:200]),
            "replies": selectors.replies_to_approve(user),
        },
    )


# --- settings -----------------------------------------------------------------------------------


@staff_required
@never_cache
@require_http_methods(["GET", "POST"])
def settings_edit(request: HttpRequest, code: str) -> HttpResponse:
    user = _user(request)
    entity = selectors.managed_entities(user).filter(code=code).first()
    if entity is None:
        if roles.entity_by_code(code) is not None:
            raise PermissionDenied(
                _("Solo el responsable de comunicaciones de la entidad cambia esta configuración.")
            )
        raise Http404
    row = PublishingSettings.objects.filter(entity=entity).first()
    initial: dict[str, Any] = {"self_promotion_max_percent": 20}
    if row is not None:
        initial = {
            "approvers": list(row.approvers.all()),
            "authority_names": row.authority_names,
            "self_promotion_max_percent": row.self_promotion_max_percent,
            "reply_approval": row.reply_approval,
        }
    form = SettingsForm(request.POST or None, entity=entity, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.settings_update(actor=user, entity=entity, **data)
        except DomainError as error:
            form.add_error(None, _error_text(error))
        else:
            messages.success(request, _("Configuración de publicación guardada."))
            return redirect("publishing:settings", code=entity.code)
    return render(
        request,
        "publishing/settings.html",
        {"form": form, "entity": entity},
        status=400 if request.method == "POST" else 200,
    )


# Approved content about to be public, or already public on the networks: the platforms
# download the image from here when the post is published.
PUBLIC_MEDIA = {PostStatus.PROGRAMADO, PostStatus.PUBLICADO}


@require_GET
def post_media(request: HttpRequest, pk: int) -> FileResponse:
    """The post's image or video: to anyone once the post is scheduled or published (the
    networks fetch it from this address); before that, to the entity's staff only."""
    post = PlannedPost.objects.filter(pk=pk).select_related("entity").first()
    if post is None or not post.media:
        raise Http404(_("No hay una imagen para esta publicación."))
    if post.status not in PUBLIC_MEDIA:
        selectors.post_get_for_staff(_user(request), pk)  # 404 for anyone else
    return file_response(post.media)
