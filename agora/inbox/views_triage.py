"""Triage on a conversation's page: the "Escalar" action (no JavaScript needed; htmx swaps
the conversation when it runs) and what the page shows about priority, due time and
escalation."""

from __future__ import annotations

from typing import Any, cast

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from agora.core.models import User
from agora.inbox import priority, selectors
from agora.inbox.countdown import countdown_html
from agora.inbox.escalation import conversation_escalate
from agora.inbox.models import Conversation
from agora.inbox.titles import conversation_title
from agora.inbox.triage_forms import EscalateForm


def triage_context(conversation: Conversation) -> dict[str, Any]:
    """The masked title, the countdown and the priority's reason of one conversation."""
    now = timezone.now()
    left = priority.working_seconds_left(conversation, now)
    return {
        "title": conversation_title(conversation.subject, limit=160),
        "countdown": countdown_html(conversation.due_at, now),
        "priority_reason": priority.reason_text(conversation, now=now, working_seconds_left=left),
    }


@login_required
@require_POST
def conversation_escalate_view(request: HttpRequest, pk: int) -> HttpResponse:
    from agora.inbox.views import _act  # one action runner for every form of the page

    user = cast(User, request.user)
    conversation = selectors.conversation_get_for_staff(user=user, pk=pk)
    form = EscalateForm(
        request.POST, staff=selectors.entity_staff(entity_id=conversation.entity_id)
    )
    return _act(
        request,
        conversation,
        "escalate_form",
        form,
        lambda: conversation_escalate(
            conversation=conversation,
            actor=user,
            to=form.person(),
            reason=form.cleaned_data["motivo"],
        ),
        _("Conversación escalada."),
        "#escalar",
    )
