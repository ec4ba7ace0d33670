"""What the apps register at start-up for the apps below them (agora/core/registries.py):
the public data loaders in the order of the layers, the language app's personal-data masking
used by the inbox, its classifier used by participation, and `agora classify_pending`."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from agora.core import registries


def test_public_data_loaders_run_in_the_order_of_the_layers() -> None:
    names = [loader.name for loader in registries.public_data_loaders()]
    assert names == ["directory", "participation", "commitments"]


def test_the_inbox_masks_personal_data_with_the_language_rules() -> None:
    masked = registries.mask_personal_data("Mi DNI es 45678912, llámenme al 987654321")
    assert "45678912" not in masked
    assert "987654321" not in masked
    assert masked.startswith("Mi DNI es ")


def test_without_masking_rules_nothing_is_shown_unmasked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(registries, "_MASKERS", [])
    with pytest.raises(RuntimeError):
        registries.mask_personal_data("DNI 45678912")


def test_text_flags_without_a_checker_flag_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(registries, "_TEXT_FLAGS", [])
    assert registries.text_flags(["uno", "dos"]) == [[], []]


def test_text_flags_use_the_registered_checker(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(registries, "_TEXT_FLAGS", [lambda texts: [["spam"] for _ in texts]])
    assert registries.text_flags(["compra ya"]) == [["spam"]]


@pytest.mark.django_db
def test_classify_pending_says_how_many_it_classified() -> None:
    out = io.StringIO()
    call_command("classify_pending", stdout=out)
    assert "Mensajes clasificados: 0." in out.getvalue()
