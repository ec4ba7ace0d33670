"""E-mail copies of notices: one message per address, never a shared list."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail

from agora.core.models import User
from agora.core.notifications import mail_each, notify


def test_one_message_per_address_once_each_with_the_attachments() -> None:
    sent = mail_each(
        "Asunto",
        "Cuerpo",
        ["b@example.pe", "", "a@example.pe", "b@example.pe"],
        attachments=[("informe.pdf", b"%PDF-1.7", "application/pdf")],
    )
    assert sent == 2
    assert [message.to for message in mail.outbox] == [["b@example.pe"], ["a@example.pe"]]
    for message in mail.outbox:
        assert not message.cc and not message.bcc
        assert message.attachments == [("informe.pdf", b"%PDF-1.7", "application/pdf")]


def test_no_addresses_sends_nothing() -> None:
    assert mail_each("Asunto", "Cuerpo", ["", ""]) == 0
    assert mail.outbox == []


def test_a_delivery_failure_is_logged_and_reported_as_nothing_sent(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    class Refused:
        def send_messages(self, messages: list[Any]) -> int:
            raise ConnectionRefusedError("smtp caído")

    monkeypatch.setattr("agora.core.notifications.get_connection", lambda: Refused())
    assert mail_each("Asunto", "Cuerpo", ["a@example.pe"]) == 0
    assert "No se pudo enviar el correo" in caplog.text


@pytest.mark.django_db
def test_notify_mails_each_person_separately_after_commit(
    make_user: Any, django_capture_on_commit_callbacks: Any
) -> None:
    people: list[User] = [
        make_user("ana", email="ana@minsa.gob.pe"),
        make_user("luis", email="luis@pcm.gob.pe"),
        make_user("sin-correo", email=""),
    ]
    with django_capture_on_commit_callbacks(execute=True):
        created = notify(users=people, kind="prueba", text="Aviso de prueba", url="/bandeja/")
        assert mail.outbox == []  # not before the transaction commits
    assert len(created) == 3
    assert sorted(message.to for message in mail.outbox) == [
        ["ana@minsa.gob.pe"],
        ["luis@pcm.gob.pe"],
    ]
    assert all(message.body.endswith("/bandeja/") for message in mail.outbox)
