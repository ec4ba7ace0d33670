"""The language use cases staff reach from a conversation of the inbox (the inbox sits below
language and does not import it; these views render the inbox's conversation):

- «No es amenaza / insulto / spam…»: one plain POST form per flag of a citizen message (htmx
  swaps the conversation; without JavaScript the page reloads at the message); the use case
  is ``agora.language.dismissal.message_flag_dismiss``;
- the correction of a message's kind and flags (``agora.language.services.message_correct``),
  which the next training run learns from.

Their addresses stay under /bandeja/ (agora/language/inbox_urls.py)."""

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
from agora.inbox.moderation_forms import CorrectionForm
from agora.inbox.moderation_views import _done, _message_in, _refused
from agora.inbox.views import _partial, _render_conversation, _user
from agora.language import dismissal
from agora.language import services as language

FLAG_FIELD = "alerta"


@login_required
@require_POST
def message_flag_dismiss(request: HttpRequest, pk: int, message_pk: int) -> HttpResponse:
    """Removes one flag of a citizen message (the ``alerta`` field): staff of the entity."""
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


@login_required
@require_POST
def message_correct(request: HttpRequest, pk: int, message_pk: int) -> HttpResponse:
    """Staff set a citizen message's kind and flags; the next training run learns from it."""
    conversation = selectors.conversation_get_for_staff(user=_user(request), pk=pk)
    message = _message_in(conversation, message_pk)
    form = CorrectionForm(request.POST, prefix=f"m{message.pk}")
    if not form.is_valid():
        return _refused(request, conversation, _("elija un tipo de mensaje válido."))
    try:
        language.message_correct(
            actor=_user(request),
            message=message,
            kind=form.cleaned_data["tipo"],
            flags=form.cleaned_data["alertas"],
        )
    except DomainError as exc:
        return _refused(request, conversation, str(exc))
    return _done(request, conversation, message, _("Clasificación corregida."))
