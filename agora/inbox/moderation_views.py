"""Pages and actions of classification and moderation in the inbox: correcting a message's
kind and flags, hiding and showing a message, the threat alerts and the entity's moderation
policy and crisis checklist. Thin: the services in ``agora.inbox.moderation`` and
``agora.language.services`` decide and record."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from agora.core.errors import DomainError, PermissionDeniedError
from agora.core.permissions import staff_required, user_is_rector
from agora.directory import roles
from agora.inbox import moderation, permissions, selectors
from agora.inbox.models import AlertStatus, Conversation, Message
from agora.inbox.moderation_forms import (
    AttendForm,
    ChecklistForm,
    HideForm,
    PolicyForm,
    ShowForm,
)
from agora.inbox.views import _partial, _render_conversation, _user, _vary

ALERTS_LIMIT = 200


def _message_in(conversation: Conversation, message_pk: int) -> Message:
    message = Message.objects.filter(pk=message_pk, conversation=conversation).first()
    if message is None:
        raise Http404
    return message


def _done(
    request: HttpRequest, conversation: Conversation, message: Message, notice: str
) -> HttpResponse:
    if _partial(request):
        fresh = selectors.conversation_get_for_staff(user=_user(request), pk=conversation.pk)
        return _render_conversation(request, fresh, notice=notice)
    messages.success(request, notice)
    return redirect(reverse("inbox:detail", args=[conversation.pk]) + f"#mensaje-{message.pk}")


def _refused(request: HttpRequest, conversation: Conversation, error: str) -> HttpResponse:
    return _render_conversation(
        request,
        conversation,
        notice=_("No se guardó: %(error)s") % {"error": error},
        status=200 if _partial(request) else 400,
    )


@login_required
@require_POST
def message_hide(request: HttpRequest, pk: int, message_pk: int) -> HttpResponse:
    conversation = selectors.conversation_get_for_staff(user=_user(request), pk=pk)
    message = _message_in(conversation, message_pk)
    form = HideForm(request.POST)
    if not form.is_valid():
        return _refused(request, conversation, _("indique el motivo."))
    try:
        moderation.message_hide(
            actor=_user(request),
            message=message,
            reason=form.cleaned_data["motivo"],
            on_platform=form.cleaned_data["en_plataforma"],
        )
    except DomainError as exc:
        return _refused(request, conversation, str(exc))
    return _done(request, conversation, message, _("Mensaje oculto; nada se borró."))


@login_required
@require_POST
def message_show(request: HttpRequest, pk: int, message_pk: int) -> HttpResponse:
    conversation = selectors.conversation_get_for_staff(user=_user(request), pk=pk)
    message = _message_in(conversation, message_pk)
    form = ShowForm(request.POST)
    if not form.is_valid():
        return _refused(request, conversation, _("indique el motivo."))
    try:
        moderation.message_show(
            actor=_user(request), message=message, reason=form.cleaned_data["motivo"]
        )
    except DomainError as exc:
        return _refused(request, conversation, str(exc))
    return _done(request, conversation, message, _("Mensaje visible de nuevo."))


# --- Threat alerts ---------------------------------------------------------------------------


def _require_some_management(request: HttpRequest) -> None:
    if not permissions.may_see_alerts(_user(request)):
        raise PermissionDenied(
            _("Solo los responsables de comunicaciones y el ente rector ven las alertas.")
        )


@staff_required
@never_cache
@require_GET
def threat_alerts(request: HttpRequest) -> HttpResponse:
    """The threat alerts of the entities the person manages (all for the rector office)."""
    _require_some_management(request)
    status = request.GET.get("estado", AlertStatus.ABIERTA)
    if status not in (*AlertStatus.values, "todas"):
        status = AlertStatus.ABIERTA
    alerts = list(
        moderation.threat_alerts_for(
            user=_user(request), status="" if status == "todas" else status
        )[:ALERTS_LIMIT]
    )
    context: dict[str, Any] = {
        "alerts": alerts,
        "status": status,
        "statuses": [*AlertStatus.choices, ("todas", _("Todas"))],
        "attend_form": AttendForm(),
        "limit": ALERTS_LIMIT,
    }
    return _vary(render(request, "inbox/alerts.html", context))


@login_required
@require_POST
def threat_alert_attend(request: HttpRequest, alert_pk: int) -> HttpResponse:
    alert = moderation.threat_alert_get(user=_user(request), pk=alert_pk)
    form = AttendForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("La nota admite hasta 2000 caracteres."))
        return redirect("inbox:alerts")
    try:
        moderation.threat_alert_attend(
            actor=_user(request), alert=alert, note=form.cleaned_data["nota"]
        )
    except DomainError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Alerta marcada como atendida."))
    return redirect("inbox:alerts")


# --- Moderation policy and crisis checklist --------------------------------------------------


@staff_required
@never_cache
@require_http_methods(["GET", "POST"])
def moderation_settings(request: HttpRequest, code: str) -> HttpResponse:
    """An entity's moderation policy and crisis checklist, for its managers and the rector."""
    user = _user(request)
    entity = roles.entity_by_code(code, staff=user)
    if entity is None:
        raise Http404
    if not permissions.may_manage_moderation(user, entity):
        raise PermissionDenied(
            _("Solo los responsables de la entidad y el ente rector cambian su moderación.")
        )
    policy = moderation.policies_for([entity.pk])[entity.pk]
    policy_form = PolicyForm(
        initial={
            "ocultar_insultos": policy.hide_insults,
            "ocultar_spam": policy.hide_spam,
            "ocultar_en_plataforma": policy.hide_on_platform,
            "umbral_crisis": policy.crisis_multiplier,
            "minimo_crisis": policy.crisis_min_messages,
        }
    )
    checklist_form = ChecklistForm(
        initial={"pasos": "\n".join(moderation.crisis_checklist_get(entity))}
    )
    status = 200
    if request.method == "POST":
        try:
            if "guardar_politica" in request.POST:
                policy_form = PolicyForm(request.POST)
                if policy_form.is_valid():
                    data = policy_form.cleaned_data
                    moderation.moderation_policy_update(
                        actor=user,
                        entity=entity,
                        hide_insults=data["ocultar_insultos"],
                        hide_spam=data["ocultar_spam"],
                        hide_on_platform=data["ocultar_en_plataforma"],
                        crisis_multiplier=data["umbral_crisis"],
                        crisis_min_messages=data["minimo_crisis"],
                    )
                    messages.success(request, _("Política de moderación guardada."))
                    return redirect("inbox:moderation_settings", code=entity.code)
            else:
                checklist_form = ChecklistForm(request.POST)
                if checklist_form.is_valid():
                    moderation.crisis_checklist_update(
                        actor=user, entity=entity, text=checklist_form.cleaned_data["pasos"]
                    )
                    messages.success(request, _("Lista de crisis guardada."))
                    return redirect("inbox:moderation_settings", code=entity.code)
        except PermissionDeniedError as exc:
            raise PermissionDenied(str(exc)) from exc
        except DomainError as exc:
            form = policy_form if "guardar_politica" in request.POST else checklist_form
            form.add_error(None, str(exc))
        status = 400
    context = {
        "entity": entity,
        "policy_form": policy_form,
        "checklist_form": checklist_form,
        "is_default": policy.entity_id is None,
        "is_rector": user_is_rector(user),
    }
    return render(request, "inbox/moderation_settings.html", context, status=status)
