"""The inbox list's rows and filter options, written in Python.

The list is the page staff keep open all day (bench/inbox.py: p95 ≤ 100 ms over a million
messages). Rendered by the template language, its 25 rows and the filter options took most of
the request; here each row is a few escaped string joins. The markup is the one the template
had, and tests/inbox/test_views.py reads it like any page.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from agora.directory.models import Platform as AccountPlatform
from agora.inbox.countdown import countdown_html
from agora.inbox.models import Conversation, Status, ThreadKind
from agora.inbox.priority import reason_text
from agora.inbox.titles import conversation_title


def _when(moment: datetime) -> str:
    local = timezone.localtime(moment)
    shown = f"{local.day}/{local.month:02d}/{local.year} {local.hour:02d}:{local.minute:02d}"
    return f'<time datetime="{local.isoformat()}">{shown}</time>'


def _person(user: object) -> str:
    full = user.get_full_name()  # type: ignore[attr-defined]
    return str(full or user.get_username())  # type: ignore[attr-defined]


def conversation_rows(
    page: Sequence[Conversation],
    *,
    now: datetime,
    show_entity: bool,
    extra: Sequence[str] = (),
) -> SafeString:
    """The ``<li>`` of each conversation of a list page (labels prefetched by the selector);
    ``extra[i]``, already escaped markup, closes the i-th row (a search result's snippet)."""
    if not page:
        return mark_safe("")
    status_label = escape(_("Estado:"))
    priority_label = escape(_("Prioridad:"))
    overdue_badge = '<span class="badge badge-overdue">{}</span>'.format(escape(_("Plazo vencido")))
    flag_label = escape(_("Alerta:"))
    failed_badge = '<span class="badge badge-send-failed">{}</span>'.format(
        escape(_("Envío fallido"))
    )
    check_badge = '<span class="badge badge-send-check">{}</span>'.format(
        escape(_("Envío por verificar en la plataforma"))
    )
    from_label = escape(_("de"))
    last_label = escape(_("Último mensaje:"))
    assigned_label = escape(_("Asignada a:"))
    nobody = escape(_("nadie"))
    choose_label = _("Elegir: %(subject)s")
    escalated_nobody = escape(_("Escalada"))
    kind_label = escape(_("Tipo:"))
    labels_label = escape(_("Etiquetas:"))
    unknown_author = escape(_("autor desconocido"))
    detail = reverse("inbox:detail", args=[0])[:-2]  # ".../0/" without the id
    # get_FOO_display() rebuilds a dict of lazy labels on every call: translate them once.
    statuses = {value: escape(label) for value, label in Status.choices}
    threads = {value: escape(label) for value, label in ThreadKind.choices}
    platforms = {value: str(label) for value, label in AccountPlatform.choices}
    out: list[str] = []
    for position, conv in enumerate(page):
        overdue = conv.due_at is not None and conv.due_at < now
        # Masked: a list row is read over the shoulder (agora/inbox/titles.py).
        title = conversation_title(conv.subject)  # masked once, cut twice
        subject = escape(Truncator(title).chars(140))
        badges = [
            f'<span class="badge badge-status badge-{escape(conv.status)}">'
            f"{status_label} {statuses.get(conv.status, '')}</span>"
        ]
        if conv.priority != "normal" or conv.priority_manual:
            badges.append(
                f'<span class="badge badge-priority-{escape(conv.priority)}">'
                f"{priority_label} {escape(reason_text(conv, now=now))}</span>"
            )
        if overdue:
            badges.append(overdue_badge)
        if getattr(conv, "failed_sends", 0):
            badges.append(failed_badge)
        if getattr(conv, "sends_to_check", 0):
            badges.append(check_badge)
        if conv.escalated_at is not None:
            to = conv.escalated_to
            badges.append(
                '<span class="badge badge-escalated">'
                + (
                    escape(_("Escalada a %(name)s") % {"name": _person(to)})
                    if to is not None
                    else escalated_nobody
                )
                + "</span>"
            )
        badges.extend(
            f'<span class="badge badge-flag">{flag_label} {escape(flag)}</span>'
            for flag in conv.flags or []
        )
        who: list[str] = []
        if show_entity:
            who.append(escape(conv.entity.acronym or conv.entity.name))
        account = conv.account
        shown = f"{platforms.get(account.platform, '')} {account.display_handle}"
        who.append(f"{escape(shown)} · {threads.get(conv.thread_kind, '')}")
        who.append(f"{from_label} {escape(conv.author_name or unknown_author)}")
        who.append(
            escape(
                ngettext("%(counter)s mensaje", "%(counter)s mensajes", conv.message_count)
                % {"counter": conv.message_count}
            )
        )
        timing = [f"{last_label} {_when(conv.last_inbound_at)}"] if conv.last_inbound_at else []
        if conv.due_at:
            timing.append(str(countdown_html(conv.due_at, now)))
        timing.append(
            f"{assigned_label} {escape(_person(conv.assignee)) if conv.assignee else nobody}"
        )
        if conv.kind:
            timing.append(f"{kind_label} {escape(conv.kind)}")
        labels = list(conv.labels.all())
        if labels:
            tags = " ".join(f'<span class="tag">{escape(label.name)}</span>' for label in labels)
            timing.append(f"{labels_label} {tags}")
        choose = escape(choose_label % {"subject": Truncator(title).chars(80)})
        out.append(
            f'<li class="conversation-item{" is-overdue" if overdue else ""}">'
            # Bulk actions (agora/templates/inbox/_bulk_bar.html): the box belongs to that form.
            f'<input type="checkbox" class="row-select" name="conversaciones" value="{conv.pk}" '
            f'id="elegir-{conv.pk}" form="acciones-en-bloque">'
            f'<label class="visually-hidden" for="elegir-{conv.pk}">{choose}</label>'
            f'<h3 class="conversation-title"><a href="{detail}{conv.pk}/">{subject}</a></h3>'
            f'<p class="meta">{" ".join(badges)}</p>'
            f'<p class="meta">{" · ".join(who)}</p>'
            f'<p class="meta">{" · ".join(timing)}</p>'
            f"{extra[position] if position < len(extra) else ''}</li>"
        )
    return mark_safe("\n".join(out))  # noqa: S308 - every value above is escaped


def select_options(choices: Iterable[tuple[object, object]], current: object) -> SafeString:
    """``<option>`` elements of a filter, the current value selected."""
    chosen = "" if current is None else str(current)
    out = []
    for value, label in choices:
        text = str(value)
        selected = " selected" if text == chosen else ""
        out.append(f'<option value="{escape(text)}"{selected}>{escape(label)}</option>')
    return mark_safe("".join(out))  # noqa: S308 - escaped
