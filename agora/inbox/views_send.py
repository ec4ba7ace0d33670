"""The "Reintentar" button of an answer whose send failed or that is to be checked on the
platform, and "Ya está publicada" of one to check."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from agora.core.errors import DomainError
from agora.inbox import selectors, sending
from agora.inbox.models import Message
from agora.inbox.views import _partial, _render_conversation, _user


def _act(request: HttpRequest, pk: int, message_pk: int, action: Any, done: str) -> HttpResponse:
    """Runs ``action`` (a sending service) on one answer of a conversation of the person's."""
    user = _user(request)
    conversation = selectors.conversation_get_for_staff(user=user, pk=pk)
    message = Message.objects.filter(pk=message_pk, conversation=conversation).first()
    if message is None:
        raise Http404
    try:
        action(message=message, actor=user)
    except DomainError as exc:
        notice = exc.messages[0]
    else:
        notice = done
    if _partial(request):
        fresh = selectors.conversation_get_for_staff(user=user, pk=pk)
        return _render_conversation(request, fresh, notice=notice)
    messages.info(request, notice)
    return redirect(reverse("inbox:detail", args=[pk]) + f"#mensaje-{message.pk}")


@login_required
@require_POST
def message_retry(request: HttpRequest, pk: int, message_pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        message_pk,
        sending.message_send_retry,
        _("Se reintentará el envío en unos momentos."),
    )


@login_required
@require_POST
def message_confirm(request: HttpRequest, pk: int, message_pk: int) -> HttpResponse:
    """ "Ya está publicada": the person saw the answer on the platform."""
    return _act(
        request,
        pk,
        message_pk,
        sending.message_send_confirm,
        _("Respuesta marcada como publicada."),
    )
