"""«No es amenaza / insulto / spam…» from the conversation: one plain POST form per flag of a
citizen message (htmx swaps the conversation; without JavaScript the page reloads at the
message). The use case is ``agora.language.dismissal.message_flag_dismiss``."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from agora.core.errors import DomainError, PermissionDeniedError
from agora.inbox import selectors
from agora.inbox.moderation_views import _done, _message_in
from agora.inbox.views import _partial, _render_conversation, _user

FLAG_FIELD = "alerta"


@login_required
@require_POST
def message_flag_dismiss(request: HttpRequest, pk: int, message_pk: int) -> HttpResponse:
    """Removes one flag of a citizen message (the ``alerta`` field): staff of the entity."""
    from agora.language import dismissal

    conversation = selectors.conversation_get_for_staff(user=_user(request), pk=pk)
    message = _message_in(conversation, message_pk)
    flag = request.POST.get(FLAG_FIELD, "").strip()
    try:
        done = dismissal.message_flag_dismiss(actor=_user(request), message=message, flag=flag)
    except PermissionDeniedError as exc:
        raise PermissionDenied(str(exc)) from exc
    except DomainError as exc:
        # Only a hand-made request gets here (the buttons send the message's own flags).
        return _render_conversation(
            request,
            conversation,
            notice=_("No se guardó: %(error)s") % {"error": " ".join(exc.messages)},
            status=400,
        )
    what = dismissal.dismiss_label(done.flag)
    if done.replay:
        notice = _("Ya estaba corregido: «%(what)s».") % {"what": what}
    else:
        notice = _("Clasificación corregida: «%(what)s».") % {"what": what}
        if done.alert is not None:
            notice += " " + _("La alerta de amenaza quedó descartada.")
        if done.shown:
            notice += " " + _("El mensaje vuelve a estar visible.")
    if request.POST.get("volver") == "alertas" and not _partial(request):
        messages.success(request, notice)  # from the threat alerts page, back to it
        return redirect("inbox:alerts")
    return _done(request, conversation, message, notice)
