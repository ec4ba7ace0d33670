"""Staff inbox pages (server-rendered; htmx swaps fragments when JavaScript is on): the list
with filters and counts, one conversation with its actions, the CSV export, notifications,
and the public page that defines the response-time measures."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator, Sequence
from itertools import islice
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.forms import Form
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    QueryDict,
    StreamingHttpResponse,
)
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.http import urlencode
from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from agora.core.errors import DomainError
from agora.core.models import User
from agora.core.notifications import notifications_mark_read
from agora.core.permissions import staff_required, user_is_rector
from agora.core.text import csv_cell
from agora.directory import roles
from agora.directory.models import Entity
from agora.inbox import queues, selectors, services, views_nav
from agora.inbox.attachments import attachments_by_conversation
from agora.inbox.canned import canned_answer_for_answer, canned_answer_render
from agora.inbox.counts import TTL as LIST_TTL
from agora.inbox.counts import list_page_key
from agora.inbox.forms import (
    AnswerForm,
    AssignForm,
    CannedChoiceForm,
    InboxFilterForm,
    LabelsForm,
    NoteForm,
    NotificationReadForm,
    PriorityForm,
    StatusForm,
    account_choices,
    assignee_choices,
)
from agora.inbox.models import CannedAnswer, Conversation, Status
from agora.inbox.reply import masked_name, reply_target_parse, reply_target_pick
from agora.inbox.titles import conversation_title
from agora.inbox.triage_forms import EscalateForm
from agora.inbox.unread import conversation_mark_seen
from agora.inbox.views_triage import triage_context

FILTER_CHOICES_TTL = 60

EXPORT_COLUMNS = [
    _("id"),
    _("entidad"),
    _("cuenta"),
    _("plataforma"),
    _("tipo de hilo"),
    _("asunto"),
    _("autor"),
    _("estado"),
    _("prioridad"),
    _("asignada a"),
    _("tipo de mensaje"),
    _("alertas"),
    _("último mensaje del ciudadano"),
    _("vence"),
    _("mensajes"),
    _("adjuntos"),
]


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


def _partial(request: HttpRequest) -> bool:
    """An htmx request that swaps a fragment (a history restore needs the whole page)."""
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.history_restore_request  # type: ignore[union-attr]


def _vary(response: HttpResponse) -> HttpResponse:
    patch_vary_headers(response, ["HX-Request", "HX-History-Restore-Request"])
    return response


# --- list ------------------------------------------------------------------------------------


def _filter_form(
    request: HttpRequest, params: QueryDict | None = None
) -> tuple[InboxFilterForm, list[int] | None]:
    """The bound filter form with choices for the person's scope, and the ids of the entities
    in view (None: rector staff looking at every entity). ``params``: the list's query when it
    is not this request's (a conversation page reads the list it came from)."""
    user = _user(request)
    params = request.GET if params is None else params
    code = params.get("entidad", "").strip().lower()
    entities: list[Entity] | None
    if user_is_rector(user):
        entities = None
        chosen = roles.entity_by_code(code)
        entity_ids: list[int] | None = [chosen.pk] if chosen is not None else None
    else:
        entities = list(selectors.entities_for_inbox(user=user)[: selectors.CHOICES_LIMIT])
        picked = [e.pk for e in entities if e.code == code]
        entity_ids = picked or [e.pk for e in entities]
    accounts, assignees = _filter_choices(user, entity_ids or [])
    form = InboxFilterForm(
        params or None, entities=entities, accounts=accounts, assignees=assignees
    )
    return form, entity_ids


def _filter_choices(
    user: User, entity_ids: list[int]
) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """The account and assignee choices of the entities in view, shared for
    ``FILTER_CHOICES_TTL`` seconds by everyone looking at the same entities: a newly verified
    account or a new member shows within that time. ``entity_ids`` were read afresh for this
    person, so nobody sees the choices of an entity they no longer work for."""
    if not entity_ids:
        return [], []
    key = "inbox:choices:" + ",".join(str(pk) for pk in entity_ids)
    cached: tuple[list[tuple[str, str]], list[tuple[str, str]]] | None = cache.get(key)
    if cached is None:
        cached = (
            account_choices(selectors.filter_accounts(user=user, entity_ids=entity_ids)),
            assignee_choices(selectors.filter_assignees(entity_ids=entity_ids)),
        )
        cache.set(key, cached, timeout=FILTER_CHOICES_TTL)
    return cached


def _query(request: HttpRequest, **changes: str) -> str:
    """The current filters as a query string, with ``changes`` applied ("" removes)."""
    query = request.GET.copy()
    for key, value in changes.items():
        query.pop(key, None)
        if value:
            query[key] = value
    return query.urlencode()


@staff_required
@never_cache
@require_GET
def inbox_list(request: HttpRequest) -> HttpResponse:
    """The list, served from a few seconds' cache while nothing in the inbox changed (see
    agora/inbox/counts.py); never when a one-time message waits to be shown."""
    views_nav.list_remember(request)
    session_key = request.session.session_key
    unread = selectors.notifications_unread_count(_user(request))
    key = ""
    if session_key and not len(messages.get_messages(request)):
        htmx = getattr(request, "htmx", None)
        variant = "fragmento" if _partial(request) else "pagina"
        if htmx and htmx.history_restore_request:
            variant = "restaurar"
        key = list_page_key(
            session_key=session_key,
            path=request.get_full_path(),
            variant=variant,
            unread=unread,
        )
        cached = cache.get(key)
        if cached is not None:
            content, status = cached
            return _vary(HttpResponse(content, status=status))
    response = _inbox_list(request, unread=unread)
    if key:
        cache.set(key, (response.content, response.status_code), timeout=LIST_TTL)
    return response


def _inbox_list(request: HttpRequest, *, unread: int) -> HttpResponse:
    user = _user(request)
    form, entity_ids = _filter_form(request)
    valid = form.is_valid() if form.is_bound else True
    filters = form.filters()
    if request.GET.get("q", "").strip():
        from agora.inbox.search_views import inbox_search  # it imports this module

        return inbox_search(
            request, form=form, filters=filters, entity_ids=entity_ids, unread=unread, valid=valid
        )
    page, next_cursor, counts = selectors.conversations_for_staff(
        user=user, filters=filters, entity_ids=entity_ids
    )
    status_tabs = [
        {
            "value": "",
            "label": _("Todas"),
            "count": counts["todas"],
            "query": _query(request, estado="", desde=""),
            "current": not filters.status,
        }
    ] + [
        {
            "value": value,
            "label": label,
            "count": counts[value],
            "query": _query(request, estado=value, desde=""),
            "current": filters.status == value,
        }
        for value, label in Status.choices
    ]
    context = {
        "form": form,
        "page": page,
        "next_query": _query(request, desde=next_cursor) if next_cursor else "",
        "later_page": bool(filters.cursor),
        "first_query": _query(request, desde=""),
        "export_query": _query(request, desde=""),
        "status_tabs": status_tabs,
        "filtered": any(
            (filters.entity, filters.account, filters.platform, filters.kind, filters.flag)
        )
        or any(
            (filters.assignee, filters.overdue, filters.status, filters.queue, filters.send_failed)
        ),
        "now": timezone.now(),
        "show_entity": entity_ids is None or len(entity_ids) > 1,
        "queue_tabs": queues.queue_tabs(
            counts=queues.queue_counts(user=user, filters=filters, entity_ids=entity_ids),
            current=filters.queue,
            query=lambda key: _query(request, cola=key, estado="", desde=""),
        ),
        "all_queues_query": _query(request, cola="", desde=""),
        "unread": unread,
        "partial": _partial(request),
    }
    # htmx swaps only successful responses: a fragment reporting bad filters is a 200.
    if _partial(request):
        return _vary(render(request, "inbox/_results.html", context))
    return _vary(render(request, "inbox/list.html", context, status=200 if valid else 400))


class _Echo:
    def write(self, value: str) -> str:
        return value


@staff_required
@never_cache
@require_GET
def inbox_export(request: HttpRequest) -> HttpResponseBase:
    """The filtered list as CSV (staff only: it holds citizens' names)."""
    form, _entity_ids = _filter_form(request)
    if form.is_bound and not form.is_valid():
        return redirect(reverse("inbox:list") + "?" + request.GET.urlencode())
    qs = selectors.conversations_export(user=_user(request), filters=form.filters())
    writer = csv.writer(_Echo())

    def rows() -> Iterator[str]:
        yield "\ufeff" + writer.writerow(EXPORT_COLUMNS)
        conversations = qs.iterator(chunk_size=2000)
        while chunk := list(islice(conversations, 2000)):
            yield from export_chunk(chunk)

    def export_chunk(chunk: Sequence[Conversation]) -> Iterator[str]:
        # One query per chunk for the attachments (agora/inbox/attachments.py).
        attachments = attachments_by_conversation([conv.pk for conv in chunk])
        for conv in chunk:
            yield writer.writerow(
                [
                    csv_cell(v)
                    for v in [
                        conv.pk,
                        conv.entity.code,
                        str(conv.account),
                        conv.get_platform_display(),
                        conv.get_thread_kind_display(),
                        conversation_title(conv.subject),
                        conv.author_name,
                        conv.get_status_display(),
                        conv.get_priority_display(),
                        conv.assignee.get_username() if conv.assignee else "",
                        conv.kind,
                        " ".join(conv.flags or []),
                        localtime(conv.last_inbound_at).isoformat() if conv.last_inbound_at else "",
                        localtime(conv.due_at).isoformat() if conv.due_at else "",
                        conv.message_count,
                        "\n".join(attachments.get(conv.pk, [])),
                    ]
                ]
            )

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="bandeja.csv"'
    return response


# --- one conversation ------------------------------------------------------------------------


def _conversation_context(
    request: HttpRequest,
    conversation: Conversation,
    bound: dict[str, Form] | None = None,
    notice: str = "",
) -> dict[str, Any]:
    """Thread, history and the action forms (bound ones, with their errors, replace the
    fresh ones)."""
    thread, truncated = selectors.conversation_thread(conversation=conversation)
    answers = list(selectors.canned_answers_for(conversation.entity))
    staff = selectors.entity_staff(entity_id=conversation.entity_id)
    labels = list(selectors.entity_labels(entity_id=conversation.entity_id))
    current_labels = [label.name for label in conversation.labels.all()]
    canned = CannedChoiceForm(request.GET or None, answers=answers)
    initial_text, canned_used = "", ""
    if canned.is_bound and canned.is_valid() and canned.cleaned_data["respuesta_aprobada"]:
        picked = _canned_pick(answers, canned.cleaned_data["respuesta_aprobada"])
        if picked is not None:
            initial_text = canned_answer_render(canned=picked, conversation=conversation)
            canned_used = str(picked.pk)
    forms: dict[str, Form] = {
        "answer_form": AnswerForm(initial={"texto": initial_text}),
        "canned_form": canned,
        "note_form": NoteForm(),
        "assign_form": AssignForm(
            staff=staff, initial={"asignada_a": str(conversation.assignee_id or "")}
        ),
        "status_form": StatusForm(initial={"estado": conversation.status}),
        "priority_form": PriorityForm(
            initial={"prioridad": conversation.priority if conversation.priority_manual else "auto"}
        ),
        "escalate_form": EscalateForm(staff=staff),
        "labels_form": LabelsForm(labels=labels, initial={"etiquetas": current_labels}),
    }
    forms.update(bound or {})
    reply_target = reply_target_pick(
        thread, request.POST.get("responder_a") or request.GET.get("responder_a")
    )
    # The list it was opened from: its links need two queries, only on full pages.
    nav = (
        {"list_url": views_nav.list_url(request)}
        if _partial(request)
        else views_nav.nav_context(request, conversation)
    )
    return {
        **nav,
        "reply_target": reply_target,
        "reply_target_name": masked_name(reply_target.author_name) if reply_target else "",
        "conversation": conversation,
        "thread": thread,
        "truncated": truncated,
        "history": selectors.author_history(conversation=conversation),
        "now": timezone.now(),
        "notice": notice,
        "partial": _partial(request),
        "has_canned": bool(answers),
        "canned_used": canned_used,
        **triage_context(conversation),
        **forms,
    }


def _canned_pick(answers: list[CannedAnswer], choice: str) -> CannedAnswer | None:
    return next((a for a in answers if str(a.pk) == str(choice)), None)


def _render_conversation(
    request: HttpRequest,
    conversation: Conversation,
    *,
    bound: dict[str, Form] | None = None,
    notice: str = "",
    status: int = 200,
) -> HttpResponse:
    context = _conversation_context(request, conversation, bound, notice)
    template = "inbox/_conversation.html" if _partial(request) else "inbox/detail.html"
    return _vary(render(request, template, context, status=status))


@login_required
@never_cache
@require_GET
def conversation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    conversation = selectors.conversation_get_for_staff(user=_user(request), pk=pk)
    conversation_mark_seen(user=_user(request), conversation=conversation)
    return _render_conversation(request, conversation)


@login_required
@never_cache
@require_GET
def canned_answer_fill(request: HttpRequest, pk: int) -> HttpResponse:
    """The answer box filled with the chosen approved answer (htmx); without JavaScript the
    detail page does the same from the same parameter."""
    conversation = selectors.conversation_get_for_staff(user=_user(request), pk=pk)
    if not _partial(request):
        url = reverse("inbox:detail", args=[conversation.pk])
        choice = request.GET.get("respuesta_aprobada", "")
        query = "?" + urlencode({"respuesta_aprobada": choice}) if choice else ""
        return redirect(url + query + "#respuesta")
    answers = list(selectors.canned_answers_for(conversation.entity))
    canned = CannedChoiceForm(request.GET, answers=answers)
    text, used = request.GET.get("texto", ""), ""
    picked = None
    if canned.is_valid() and canned.cleaned_data["respuesta_aprobada"]:
        picked = _canned_pick(answers, canned.cleaned_data["respuesta_aprobada"])
    if picked is not None:
        text = canned_answer_render(canned=picked, conversation=conversation)
        used = str(picked.pk)
    form = AnswerForm(initial={"texto": text})
    context = {
        "answer_form": form,
        "filled": picked is not None,
        "canned_used": used,
        "conversation": conversation,
    }
    return _vary(render(request, "inbox/_answer_field.html", context))


def _act(
    request: HttpRequest,
    conversation: Conversation,
    name: str,
    form: Form,
    apply: Callable[[], object],
    done: str,
    anchor: str,
    then: Callable[[], HttpResponse] | None = None,
) -> HttpResponse:
    """Runs one action: the service on a valid form; the fragment for htmx, a redirect (or the
    page with the errors) without it; ``then`` answers instead when given. Refused actions
    write nothing."""
    if form.is_valid():
        try:
            apply()
        except DomainError as exc:
            form.add_error(None, exc)
        else:
            if then is not None:
                return then()
            if _partial(request):
                fresh = selectors.conversation_get_for_staff(
                    user=_user(request), pk=conversation.pk
                )
                return _render_conversation(request, fresh, notice=done)
            messages.success(request, done)
            back = views_nav.list_url_clean(request.POST.get(views_nav.PARAM, ""))
            return redirect(views_nav.detail_url(conversation.pk, back) + anchor)
    status = 200 if _partial(request) else 400
    return _render_conversation(
        request,
        conversation,
        bound={name: form},
        notice=_("No se guardó: revise el formulario."),
        status=status,
    )


@login_required
@require_POST
def conversation_answer(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    conversation = selectors.conversation_get_for_staff(user=user, pk=pk)
    form = AnswerForm(request.POST)
    return _act(
        request,
        conversation,
        "answer_form",
        form,
        lambda: services.message_answer(
            conversation=conversation,
            author=user,
            body=form.cleaned_data["texto"],
            canned=canned_answer_for_answer(
                conversation=conversation, value=request.POST.get("respuesta_aprobada_usada", "")
            ),
            reply_to=reply_target_parse(conversation, request.POST.get("responder_a")),
        ),
        _("Respuesta guardada. Se publicará en la plataforma en unos momentos."),
        "#hilo",
        # "Responder y pasar a la siguiente": the same form, a second submit button.
        then=(lambda: views_nav.answer_and_next(request, conversation))
        if "siguiente" in request.POST
        else None,
    )


@login_required
@require_POST
def conversation_note(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    conversation = selectors.conversation_get_for_staff(user=user, pk=pk)
    form = NoteForm(request.POST)
    return _act(
        request,
        conversation,
        "note_form",
        form,
        lambda: services.note_add(
            conversation=conversation, author=user, body=form.cleaned_data["nota"]
        ),
        _("Nota interna guardada."),
        "#hilo",
    )


@login_required
@require_POST
def conversation_assign(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    conversation = selectors.conversation_get_for_staff(user=user, pk=pk)
    form = AssignForm(request.POST, staff=selectors.entity_staff(entity_id=conversation.entity_id))
    return _act(
        request,
        conversation,
        "assign_form",
        form,
        lambda: services.conversation_assign(
            conversation=conversation, actor=user, assignee=form.assignee()
        ),
        _("Asignación guardada."),
        "#gestion",
    )


@login_required
@require_POST
def conversation_status(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    conversation = selectors.conversation_get_for_staff(user=user, pk=pk)
    form = StatusForm(request.POST)
    return _act(
        request,
        conversation,
        "status_form",
        form,
        lambda: services.conversation_set_status(
            conversation=conversation, actor=user, status=form.cleaned_data["estado"]
        ),
        _("Estado guardado."),
        "#gestion",
    )


@login_required
@require_POST
def conversation_priority(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    conversation = selectors.conversation_get_for_staff(user=user, pk=pk)
    form = PriorityForm(request.POST)
    return _act(
        request,
        conversation,
        "priority_form",
        form,
        lambda: services.conversation_set_priority(
            conversation=conversation, actor=user, priority=form.cleaned_data["prioridad"]
        ),
        _("Prioridad guardada."),
        "#gestion",
    )


@login_required
@require_POST
def conversation_labels(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    conversation = selectors.conversation_get_for_staff(user=user, pk=pk)
    form = LabelsForm(
        request.POST, labels=list(selectors.entity_labels(entity_id=conversation.entity_id))
    )
    return _act(
        request,
        conversation,
        "labels_form",
        form,
        lambda: services.conversation_set_labels(
            conversation=conversation, actor=user, names=form.names()
        ),
        _("Etiquetas guardadas."),
        "#gestion",
    )


# --- notifications ---------------------------------------------------------------------------


def _safe_link(url: str) -> str:
    """Only links inside Ágora are shown (a notification never sends people elsewhere)."""
    return url if url.startswith("/") and not url.startswith("//") else ""


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def notification_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if request.method == "POST":
        form = NotificationReadForm(request.POST)
        ids = form.ids() if form.is_valid() else []
        if not form.is_valid():
            notice = _("No se pudo marcar la notificación.")
        elif ids == []:
            notice = _("Elija al menos una notificación.")
        else:
            marked = notifications_mark_read(user=user, ids=ids)
            notice = (
                _("Notificación marcada como leída.")
                if marked == 1
                else _("%(n)s notificaciones marcadas como leídas.") % {"n": marked}
            )
        if not _partial(request):
            messages.success(request, notice)
            return redirect("inbox:notifications")
    else:
        notice = ""
    items = list(selectors.notifications_for(user)[: selectors.NOTIFICATIONS_LIMIT])
    for item in items:
        item.safe_url = _safe_link(item.url)  # type: ignore[attr-defined]
    context = {
        "items": items,
        "notice": notice,
        "partial": _partial(request),
        "unread": sum(1 for item in items if item.read_at is None),
    }
    template = "inbox/_notifications.html" if _partial(request) else "inbox/notifications.html"
    return _vary(render(request, template, context))


# --- public ----------------------------------------------------------------------------------


@require_GET
def methodology(request: HttpRequest) -> HttpResponse:
    """How Ágora measures responsiveness (public; linked from reports and the scoreboard)."""
    return render(request, "inbox/methodology.html", selectors.methodology_context())
