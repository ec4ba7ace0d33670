"""Approved answers (seed 003: messages approved, in the first person plural): the library an
entity's communications manager keeps in the inbox, the placeholders filled in for one
conversation, the use recorded with each answer, and the first-person-singular check shown
while writing."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Count, Max, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from agora.core.audit import audit_record, snapshot
from agora.core.errors import DomainError, PermissionDeniedError
from agora.core.models import User
from agora.core.permissions import user_is_rector
from agora.directory import roles
from agora.directory.models import Entity
from agora.inbox import permissions, selectors
from agora.inbox.deadlines import deadlines_for
from agora.inbox.models import CannedAnswer, CannedAnswerUse, Conversation, Message

TITLE_MAX = 120
BODY_MAX = 8000
CATEGORY_MAX = 60
SHORTCUT_MAX = 40
LIST_LIMIT = 500

# The placeholders an approved answer may hold, with what each becomes (shown on the form).
PLACEHOLDERS: dict[str, Any] = {
    "nombre": gettext_lazy(
        "el nombre de pila de quien escribió, si su nombre en la red lo muestra con claridad; "
        "si no (un alias, un usuario con números), «vecino/vecina»"
    ),
    "entidad": gettext_lazy("el nombre de la entidad, por ejemplo «Ministerio de Salud»"),
    "plazo": gettext_lazy(
        "el plazo de resolución de la entidad, por ejemplo «5 días hábiles» (o «45 horas "
        "hábiles» si no son días completos)"
    ),
}
_PLACEHOLDER = re.compile(r"\{([^{}\n]{0,40})\}")
_SHORTCUT = re.compile(r"^[\w-]+$")
NAME_FALLBACK = "vecino/vecina"

_FIELDS = ["entity", "title", "body", "category", "shortcut", "approved_by", "approved_at"]


class PlaceholderError(DomainError):
    """The text names a placeholder that Ágora does not fill."""


# --- roles -----------------------------------------------------------------------------------


def canned_can_manage(user: User, entity_id: int | None) -> bool:
    """Rector staff manage every library (the general one has no entity); an entity's active
    communications manager manages its own. Communicators only use them."""
    return permissions.may_manage_canned(user, entity_id)


def canned_managed_entities(user: User) -> QuerySet[Entity]:
    """The entities whose library this person manages (rector staff: see canned_can_manage)."""
    return roles.managed_by(user)


def canned_may_read(user: User) -> bool:
    """Anyone who works an inbox (a membership) or the rector office."""
    return permissions.may_read_canned(user)


def _require_manage(actor: User, entity_id: int | None) -> None:
    if not permissions.may_manage_canned(actor, entity_id):
        if entity_id is None:
            raise PermissionDeniedError(
                _("Solo el ente rector gestiona las respuestas aprobadas para todas las entidades.")
            )
        raise PermissionDeniedError(
            _(
                "Solo el responsable de comunicaciones de la entidad y el ente rector gestionan "
                "sus respuestas aprobadas."
            )
        )


# --- reads -----------------------------------------------------------------------------------


def canned_answers_for_staff(
    *, user: User, archived: bool | None = False, entity_id: int | None = None, query: str = ""
) -> QuerySet[CannedAnswer]:
    """The libraries this person may see (their entities' and the general one; every one for
    rector staff), with how often and when each was last used. ``archived``: None for both."""
    qs = CannedAnswer.objects.all()
    if not user_is_rector(user):
        qs = qs.filter(Q(entity__in=Entity.objects.for_staff(user)) | Q(entity__isnull=True))
    if entity_id is not None:
        qs = qs.filter(Q(entity_id=entity_id) | Q(entity__isnull=True))
    if archived is not None:
        qs = qs.filter(archived_at__isnull=not archived)
    query = query.strip()
    if query:
        qs = qs.filter(
            Q(title__icontains=query)
            | Q(body__icontains=query)
            | Q(category__icontains=query)
            | Q(shortcut__icontains=query.lstrip("/"))
        )
    return (
        qs.select_related("entity", "approved_by", "archived_by")
        .annotate(use_count=Count("uses"), last_used_at=Max("uses__used_at"))
        .order_by("category", "title", "id")
    )


def canned_answer_get_for_staff(*, user: User, pk: int) -> CannedAnswer:
    """One approved answer this person may see (archived too), or 404."""
    found = canned_answers_for_staff(user=user, archived=None).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def canned_answer_for_answer(*, conversation: Conversation, value: str) -> CannedAnswer | None:
    """The approved answer an answer being saved says it used (a hidden field of the reply
    box); refused when it is not one of this conversation's entity (or a general one)."""
    value = (value or "").strip()
    if not value:
        return None
    refused = DomainError(_("Esa respuesta aprobada no está disponible."))
    if not value.isdigit():
        raise refused
    canned = (
        CannedAnswer.objects.filter(
            Q(entity_id=conversation.entity_id) | Q(entity__isnull=True),
            pk=int(value),
            approved_at__isnull=False,
        )
        .select_related("entity")
        .first()
    )
    if canned is None:
        raise refused
    return canned


# --- placeholders ----------------------------------------------------------------------------


def placeholders_unknown(body: str) -> list[str]:
    """The ``{…}`` in ``body`` that are not placeholders Ágora fills, in order, once each."""
    seen: list[str] = []
    for match in _PLACEHOLDER.finditer(body):
        if match.group(1) not in PLACEHOLDERS and match.group(0) not in seen:
            seen.append(match.group(0))
    return seen


def citizen_first_name(name: str) -> str:
    """The first name to greet a citizen by, or "" when the name on the network is a handle,
    has digits or symbols, or is a single lowercase word (probably a user name): a public
    answer never greets someone by an alias it only guessed was a name."""
    name = (name or "").strip()
    if not name or any(ch.isdigit() or ch in "@_.#/:" for ch in name):
        return ""
    words = name.split()
    first = words[0]
    if len(first) < 2 or not all(ch.isalpha() or ch in "'-" for ch in first):
        return ""
    if len(words) == 1 and first == first.lower():
        return ""
    return first[:1].upper() + first[1:].lower()


def resolution_time_text(entity_id: int) -> str:
    """The entity's resolution deadline in words: whole working days when it is, hours if not."""
    deadlines = deadlines_for(entity_id)
    hours = Decimal(deadlines.resolution_hours)
    calendar = deadlines.calendar
    minutes = (calendar.end.hour * 60 + calendar.end.minute) - (
        calendar.start.hour * 60 + calendar.start.minute
    )
    day_hours = Decimal(minutes) / 60
    if day_hours > 0 and hours > 0 and (hours % day_hours) == 0:
        days = int(hours / day_hours)
        return ngettext("%(n)d día hábil", "%(n)d días hábiles", days) % {"n": days}
    shown = hours.quantize(Decimal(1)) if hours == hours.to_integral() else hours.normalize()
    return ngettext("%(n)s hora hábil", "%(n)s horas hábiles", int(hours) or 1) % {"n": shown}


def placeholder_values(conversation: Conversation, *, plazo: bool = True) -> dict[str, str]:
    """What each placeholder becomes in this conversation (``plazo`` reads the entity's
    deadline policy: skipped when no text needs it)."""
    values = {
        "nombre": citizen_first_name(conversation.author_name) or NAME_FALLBACK,
        "entidad": conversation.entity.name,
    }
    if plazo:
        values["plazo"] = resolution_time_text(conversation.entity_id)
    return values


def canned_answer_render(
    *, canned: CannedAnswer, conversation: Conversation, values: dict[str, str] | None = None
) -> str:
    """The answer's text with its placeholders filled in for this conversation (an unknown
    ``{…}``, only possible in a text saved before the check, is left as it is)."""
    if values is None:
        values = placeholder_values(conversation, plazo="{plazo}" in canned.body)
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), canned.body)


@dataclass(frozen=True)
class CannedItem:
    """One approved answer as the reply box offers it: filled in for the conversation."""

    pk: int
    title: str
    category: str
    shortcut: str
    text: str


def canned_items_for(
    *, conversation: Conversation, answers: Iterable[CannedAnswer] | None = None
) -> list[CannedItem]:
    if answers is None:
        answers = selectors.canned_answers_for(conversation.entity)
    answers = list(answers)
    if not answers:
        return []
    values = placeholder_values(conversation, plazo=any("{plazo}" in a.body for a in answers))
    return [
        CannedItem(
            pk=a.pk,
            title=a.title,
            category=a.category,
            shortcut=a.shortcut,
            text=canned_answer_render(canned=a, conversation=conversation, values=values),
        )
        for a in answers
    ]


# --- writes ----------------------------------------------------------------------------------


def _clean(*, title: str, body: str, category: str, shortcut: str) -> tuple[str, str, str, str]:
    title, body, category = title.strip(), body.strip(), category.strip()
    shortcut = shortcut.strip().lstrip("/").lower()
    if not title:
        raise DomainError(_("Escriba un título."))
    if len(title) > TITLE_MAX:
        raise DomainError(_("El título admite hasta %(n)d caracteres.") % {"n": TITLE_MAX})
    if not body:
        raise PlaceholderError(_("Escriba el texto de la respuesta."))
    if len(body) > BODY_MAX:
        raise PlaceholderError(_("El texto admite hasta %(n)d caracteres.") % {"n": BODY_MAX})
    unknown = placeholders_unknown(body)
    if unknown:
        raise PlaceholderError(
            ngettext(
                "El marcador %(names)s no existe. Use solo %(known)s.",
                "Los marcadores %(names)s no existen. Use solo %(known)s.",
                len(unknown),
            )
            % {
                "names": ", ".join(unknown),
                "known": ", ".join("{" + name + "}" for name in PLACEHOLDERS),
            }
        )
    if len(category) > CATEGORY_MAX:
        raise DomainError(_("La categoría admite hasta %(n)d caracteres.") % {"n": CATEGORY_MAX})
    if len(shortcut) > SHORTCUT_MAX or (shortcut and not _SHORTCUT.match(shortcut)):
        raise DomainError(
            _(
                "El atajo admite hasta %(n)d letras, números o guiones, sin espacios "
                "(por ejemplo «vacunas»)."
            )
            % {"n": SHORTCUT_MAX}
        )
    return title, body, category, shortcut


def _require_unique_shortcut(entity_id: int | None, shortcut: str, exclude: int | None) -> None:
    if not shortcut:
        return
    clash = CannedAnswer.objects.filter(shortcut=shortcut, archived_at__isnull=True)
    clash = (
        clash.filter(entity__isnull=True)
        if entity_id is None
        else clash.filter(entity_id=entity_id)
    )
    if exclude is not None:
        clash = clash.exclude(pk=exclude)
    if clash.exists():
        raise DomainError(
            _("Ya hay una respuesta aprobada activa con el atajo «%(shortcut)s».")
            % {"shortcut": shortcut}
        )


def _scope(canned: CannedAnswer) -> str:
    return canned.entity.code if canned.entity_id and canned.entity else ""


@transaction.atomic
def canned_answer_create(
    *,
    actor: User,
    entity: Entity | None,
    title: str,
    body: str,
    category: str = "",
    shortcut: str = "",
) -> CannedAnswer:
    """A new approved answer for ``entity`` (None: for every entity); whoever writes it
    approves it."""
    _require_manage(actor, entity.pk if entity else None)
    title, body, category, shortcut = _clean(
        title=title, body=body, category=category, shortcut=shortcut
    )
    _require_unique_shortcut(entity.pk if entity else None, shortcut, None)
    canned = CannedAnswer.objects.create(
        entity=entity,
        title=title,
        body=body,
        category=category,
        shortcut=shortcut,
        approved_by=actor,
        approved_at=timezone.now(),
    )
    audit_record(
        actor=actor,
        verb="respuesta_aprobada.creada",
        instance=canned,
        scope=_scope(canned),
        after=snapshot(canned, _FIELDS),
    )
    return canned


def _locked(canned: CannedAnswer) -> CannedAnswer:
    return (
        CannedAnswer.objects.select_for_update(of=("self",))
        .select_related("entity")
        .get(pk=canned.pk)
    )


@transaction.atomic
def canned_answer_update(
    *,
    actor: User,
    canned: CannedAnswer,
    title: str,
    body: str,
    category: str = "",
    shortcut: str = "",
) -> CannedAnswer:
    """A new text for an approved answer: approved again by whoever changes it. The answers
    already sent keep the text they were sent with; the old text stays in the audit log."""
    _require_manage(actor, canned.entity_id)
    title, body, category, shortcut = _clean(
        title=title, body=body, category=category, shortcut=shortcut
    )
    canned = _locked(canned)
    if canned.archived_at is not None:
        raise DomainError(_("Restaure la respuesta aprobada antes de cambiarla."))
    _require_unique_shortcut(canned.entity_id, shortcut, canned.pk)
    before = snapshot(canned, _FIELDS)
    canned.title, canned.body, canned.category, canned.shortcut = title, body, category, shortcut
    canned.approved_by, canned.approved_at = actor, timezone.now()
    canned.save()
    audit_record(
        actor=actor,
        verb="respuesta_aprobada.cambiada",
        instance=canned,
        scope=_scope(canned),
        before=before,
        after=snapshot(canned, _FIELDS),
    )
    return canned


@transaction.atomic
def canned_answer_archive(*, actor: User, canned: CannedAnswer) -> CannedAnswer:
    """No longer offered in the reply box; kept, with its uses, and can be restored."""
    _require_manage(actor, canned.entity_id)
    canned = _locked(canned)
    if canned.archived_at is not None:
        raise DomainError(_("La respuesta aprobada ya está archivada."))
    canned.archived_at, canned.archived_by = timezone.now(), actor
    canned.save(update_fields=["archived_at", "archived_by"])
    audit_record(
        actor=actor,
        verb="respuesta_aprobada.archivada",
        instance=canned,
        scope=_scope(canned),
        after={"archived_at": canned.archived_at.isoformat()},
    )
    return canned


@transaction.atomic
def canned_answer_restore(*, actor: User, canned: CannedAnswer) -> CannedAnswer:
    """Offered again in the reply box."""
    _require_manage(actor, canned.entity_id)
    canned = _locked(canned)
    if canned.archived_at is None:
        raise DomainError(_("La respuesta aprobada no está archivada."))
    _require_unique_shortcut(canned.entity_id, canned.shortcut, canned.pk)
    before = {"archived_at": canned.archived_at.isoformat()}
    canned.archived_at, canned.archived_by = None, None
    canned.save(update_fields=["archived_at", "archived_by"])
    audit_record(
        actor=actor,
        verb="respuesta_aprobada.restaurada",
        instance=canned,
        scope=_scope(canned),
        before=before,
        after={"archived_at": None},
    )
    return canned


@transaction.atomic
def canned_answer_used(
    *, canned: CannedAnswer, message: Message, actor: User | None
) -> CannedAnswerUse:
    """Records that ``message`` (an answer being saved) was written with ``canned``: called
    by ``message_answer`` in the answer's own transaction, so only saved answers count."""
    if canned.entity_id not in (None, message.entity_id) or canned.approved_at is None:
        raise DomainError(_("Esa respuesta aprobada no está disponible."))
    return CannedAnswerUse.objects.create(
        canned_answer=canned,
        message=message,
        entity_id=message.entity_id,
        used_by=actor,
        used_at=message.sent_at or timezone.now(),
    )


# --- the guideline while writing (seed 003: first person plural) ----------------------------

# First-person-singular phrasing and the plural to suggest, longest first: a phrase inside a
# longer one already flagged is not flagged again. Shown to the writer as advice, never
# enforced; the reply box's script reads this same list from the page.
SINGULAR_TO_PLURAL: tuple[tuple[str, str], ...] = (
    ("le informo", "le informamos"),
    ("les informo", "les informamos"),
    ("le comento", "le comentamos"),
    ("le indico", "le indicamos"),
    ("le recomiendo", "le recomendamos"),
    ("le sugiero", "le sugerimos"),
    ("le agradezco", "le agradecemos"),
    ("le pido", "le pedimos"),
    ("quedo atento", "quedamos atentos"),
    ("quedo atenta", "quedamos atentas"),
    ("me comunico", "nos comunicamos"),
    ("mi oficina", "nuestra oficina"),
    ("mi equipo", "nuestro equipo"),
    ("mi área", "nuestra área"),
    ("para mí", "para nosotros"),
    ("agradezco", "agradecemos"),
    ("lamento", "lamentamos"),
    ("informo", "informamos"),
    ("puedo", "podemos"),
    ("debo", "debemos"),
    ("estoy", "estamos"),
    ("soy", "somos"),
    ("yo", "nosotros"),
    ("mis", "nuestros / nuestras"),
    ("mi", "nuestro / nuestra"),
)


@dataclass(frozen=True)
class StyleHint:
    """One first-person-singular phrase found in a text and the plural suggested for it."""

    found: str
    suggestion: str
    start: int


def _phrase_pattern(phrase: str) -> re.Pattern[str]:
    words = r"\s+".join(re.escape(word) for word in phrase.split())
    return re.compile(r"(?<!\w)" + words + r"(?!\w)", re.IGNORECASE)


_PATTERNS = [(_phrase_pattern(phrase), plural) for phrase, plural in SINGULAR_TO_PLURAL]


def first_person_singular_hints(text: str) -> list[StyleHint]:
    """The first-person-singular phrases of ``text`` («le informo», «yo», «mi oficina»,
    «puedo»), each with its first-person-plural suggestion, in the order they appear; one
    hint per phrase."""
    taken: list[tuple[int, int]] = []
    hints: dict[str, StyleHint] = {}
    for pattern, plural in _PATTERNS:
        for match in pattern.finditer(text):
            start, end = match.span()
            if any(start < e and s < end for s, e in taken):
                continue
            taken.append((start, end))
            key = " ".join(match.group(0).lower().split())
            if key not in hints:
                hints[key] = StyleHint(found=match.group(0), suggestion=plural, start=start)
    return sorted(hints.values(), key=lambda hint: hint.start)
