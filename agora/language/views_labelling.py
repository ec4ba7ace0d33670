"""Staff pages of the labelling queue («Ayude a mejorar la lectura») and of the model versions
with their figures and the gate's decisions."""

from __future__ import annotations

from typing import Any, cast

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from agora.core.errors import DomainError, PermissionDeniedError
from agora.core.models import User
from agora.core.permissions import staff_required
from agora.inbox.models import Message
from agora.language import gate, labelling
from agora.language.labelling_forms import FLAG_KEYS, KIND_KEYS, QueueLabelForm
from agora.language.models import LabelRound, ModelVersion, QueueLabel
from agora.language.taxonomy import FLAGS, Flag, Kind

SKIP_SESSION_KEY = "labelling_skip"
SKIP_LIMIT = 200


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


def _skipped(request: HttpRequest) -> list[int]:
    raw = request.session.get(SKIP_SESSION_KEY, [])
    return [int(pk) for pk in raw if isinstance(pk, int)][-SKIP_LIMIT:]


def _round_for(message: Message, user: User) -> int:
    first = QueueLabel.objects.filter(message=message, round=LabelRound.PRIMERA).first()
    if first is not None and first.by_id != user.pk:
        return LabelRound.SEGUNDA
    return LabelRound.PRIMERA


def _queue_context(
    request: HttpRequest, form: QueueLabelForm | None, message: Message | None
) -> dict[str, Any]:
    user = _user(request)
    pairs = labelling.label_pairs(user)
    context: dict[str, Any] = {
        "waiting": labelling.queue_waiting(user),
        "badge_limit": labelling.BADGE_LIMIT,
        "item": None,
        "form": form,
        "agreement": labelling.agreement(pairs),
        "pairs": len(pairs),
        "kind_options": [
            {"value": k, "label": Kind(k).label, "key": KIND_KEYS[k]} for k in Kind.values
        ],
        "flag_options": [
            {"value": f, "label": Flag(f).label, "key": key} for f, key in FLAG_KEYS.items()
        ],
        "skipped": len(_skipped(request)),
    }
    if message is not None:
        chosen_kind = form["tipo"].value() if form is not None and form.is_bound else None
        chosen_flags = form["alertas"].value() if form is not None and form.is_bound else []
        context["item"] = {
            "message": message,
            "text": labelling.masked_text_of(message),
            "second": _round_for(message, user) == LabelRound.SEGUNDA,
            "chosen_kind": chosen_kind,
            "chosen_flags": chosen_flags or [],
        }
    return context


@staff_required
@require_http_methods(["GET", "POST"])
def queue_page(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if request.method == "POST":
        if "reiniciar" in request.POST:
            request.session[SKIP_SESSION_KEY] = []
            return redirect("language:queue")
        form = QueueLabelForm(request.POST)
        if "saltar" in request.POST:
            raw = request.POST.get("mensaje", "")
            if raw.isdigit():
                request.session[SKIP_SESSION_KEY] = [*_skipped(request), int(raw)][-SKIP_LIMIT:]
            return redirect("language:queue")
        message_id = form.data.get("mensaje", "")
        message = (
            labelling.queue_message_for(user, int(message_id))
            if str(message_id).isdigit()
            else None
        )
        if message is None:
            messages.error(
                request,
                _("Ese mensaje ya no espera su lectura: alguien lo etiquetó o no le corresponde."),
            )
            context = _queue_context(
                request, QueueLabelForm(), labelling.queue_next(user, skip=_skipped(request))
            )
            return render(request, "language/queue.html", context, status=409)
        if form.is_valid():
            try:
                labelling.queue_label(
                    actor=user,
                    message=message,
                    kind=form.cleaned_data["tipo"],
                    flags=form.cleaned_data["alertas"],
                )
            except PermissionDeniedError as exc:
                raise PermissionDenied(exc.messages[0]) from exc
            except DomainError as exc:
                for text in exc.messages:
                    form.add_error(None, text)
            else:
                messages.success(request, _("Lectura guardada. Gracias."))
                return redirect("language:queue")
        return render(
            request, "language/queue.html", _queue_context(request, form, message), status=400
        )
    message = labelling.queue_next(user, skip=_skipped(request))
    context = _queue_context(request, QueueLabelForm(), message)
    return render(request, "language/queue.html", context)


def _set_rows(metrics: dict[str, Any]) -> list[dict[str, Any]]:
    """Per test set: this version's figures and those of the version current at the time."""
    rows: list[dict[str, Any]] = []
    figures = metrics.get("pruebas") or {}
    if not figures and metrics.get("reservado"):
        figures = {"reservado": metrics["reservado"]}
    previous = (metrics.get("vigente_anterior") or {}).get("pruebas") or {}
    for name, data in figures.items():
        if not isinstance(data, dict):
            continue
        old = previous.get(name)
        rows.append(
            {
                "name": str(gate.SET_LABELS.get(name, name)),
                "new": _figures_row(data),
                "old": _figures_row(old) if isinstance(old, dict) else None,
            }
        )
    return rows


def _figures_row(data: dict[str, Any]) -> dict[str, Any]:
    flags = data.get("flags") or {}
    false_alarm = data.get("false_alarm_share") or {}
    return {
        "size": data.get("size"),
        "macro_f1": data.get("macro_f1"),
        "flags": [
            (flags.get(flag) or {}).get("f1") if (flags.get(flag) or {}).get("n") else None
            for flag in FLAGS
        ],
        "threat_false_alarm": (
            false_alarm[Flag.AMENAZA.value] * 100 if Flag.AMENAZA.value in false_alarm else None
        ),
    }


@staff_required
@require_GET
def versions_page(request: HttpRequest) -> HttpResponse:
    versions = list(ModelVersion.objects.order_by("-trained_at", "-id")[:50])
    rows = []
    for version in versions:
        metrics = version.metrics or {}
        data = metrics.get("datos") or {}
        rows.append(
            {
                "version": version,
                "sample": data.get("muestra_real"),
                "previous": (metrics.get("vigente_anterior") or {}).get("version"),
                "sets": _set_rows(metrics),
            }
        )
    return render(
        request,
        "language/versions.html",
        {
            "rows": rows,
            "flag_labels": [Flag(flag).label for flag in FLAGS],
            "rule": gate.rule_text(),
            "sample_size": labelling.sample_size(),
            "min_sample": gate.MIN_REAL_SAMPLE,
        },
    )


def help_model_context(version: ModelVersion | None) -> dict[str, Any]:
    """What /lenguaje/ayuda/ shows of the current model beside its figures: each flag's
    threshold and the gate's rule."""
    thresholds: list[dict[str, Any]] = []
    if version is not None:
        flags = ((version.metrics or {}).get("validacion_cruzada") or {}).get("flags") or {}
        for flag in FLAGS:
            value = (flags.get(flag) or {}).get("umbral")
            thresholds.append({"label": Flag(flag).label, "value": value, "flag": flag})
    return {"thresholds": thresholds, "gate_rule": gate.rule_text()}
