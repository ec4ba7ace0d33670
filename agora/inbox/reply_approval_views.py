"""The "Aprobar y enviar" and "Devolver" buttons of an answer held for approval
(agora/inbox/reply_approval.py)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from agora.core.errors import DomainError
from agora.inbox import reply_approval, selectors
from agora.inbox.models import Message
from agora.inbox.views import _partial, _render_conversation, _user


def _decide(request: HttpRequest, pk: int, message_pk: int, *, approve: bool) -> HttpResponse:
    user = _user(request)
    conversation = selectors.conversation_get_for_staff(user=user, pk=pk)
    message = Message.objects.filter(pk=message_pk, conversation=conversation).first()
    if message is None:
        raise Http404
    try:
        if approve:
            reply_approval.reply_approve(message=message, actor=user)
            notice = _("Respuesta aprobada: se enviará en unos momentos.")
        else:
            reply_approval.reply_return(
                message=message, actor=user, reason=request.POST.get("motivo", "")
            )
            notice = _("Respuesta devuelta a quien la escribió.")
    except DomainError as exc:
        notice = exc.messages[0]
    if _partial(request):
        fresh = selectors.conversation_get_for_staff(user=user, pk=pk)
        return _render_conversation(request, fresh, notice=notice)
    messages.info(request, notice)
    return redirect(reverse("inbox:detail", args=[pk]) + f"#mensaje-{message.pk}")


@login_required
@require_POST
def reply_approve(request: HttpRequest, pk: int, message_pk: int) -> HttpResponse:
    return _decide(request, pk, message_pk, approve=True)


@login_required
@require_POST
def reply_return(request: HttpRequest, pk: int, message_pk: int) -> HttpResponse:
    return _decide(request, pk, message_pk, approve=False)
