"""A planned post's image or video is checked by its content, not only its name (issue 17,
point 3: uploads checked by content everywhere): a web page or a program named .jpg is
refused in Spanish and nothing is saved; a real PNG, GIF or MP4 with its own extension is kept."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from agora.core.models import User
from agora.directory.models import SocialAccount
from agora.publishing.models import ContentPlan, PlannedPost
from tests.helpers import login
from tests.publishing.conftest import GOOD_TEXT, in_days

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
GIF = b"GIF89a" + b"\x00" * 32
MP4 = b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 32


def _post(
    client: Client, plan: ContentPlan, account: SocialAccount, upload: SimpleUploadedFile
) -> Any:
    return client.post(
        reverse("publishing:post_create", kwargs={"pk": plan.pk}),
        {
            "title": "Infografía",
            "date": in_days(3).date().isoformat(),
            "time": "10:00",
            "accounts": [account.pk],
            "text_x": GOOD_TEXT,
            "media_file": upload,
            "media_alt": "Gráfico de vacunados por región",
        },
    )


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("afiche.jpg", b"<html><script>alert(1)</script></html>"),
        ("afiche.jpg", b"MZ\x90\x00" + b"\x00" * 64),
        ("afiche.png", b"%PDF-1.7\n" + b"\x00" * 64),
        ("afiche.jpg", PNG),  # a PNG under a JPG's name
        ("video.mp4", PNG),
    ],
)
def test_a_disguised_file_is_refused_in_spanish(
    client: Client,
    content_plan: ContentPlan,
    communicator: User,
    minsa_accounts: dict[str, SocialAccount],
    name: str,
    content: bytes,
) -> None:
    login(client, communicator)
    response = _post(client, content_plan, minsa_accounts["x"], SimpleUploadedFile(name, content))
    assert response.status_code == 400
    assert "se revisa su contenido" in response.content.decode()
    assert not PlannedPost.objects.exists()


@pytest.mark.parametrize(
    ("name", "content"), [("info.png", PNG), ("info.gif", GIF), ("clip.mp4", MP4)]
)
def test_a_real_image_or_video_is_kept(
    client: Client,
    content_plan: ContentPlan,
    communicator: User,
    minsa_accounts: dict[str, SocialAccount],
    name: str,
    content: bytes,
) -> None:
    login(client, communicator)
    response = _post(client, content_plan, minsa_accounts["x"], SimpleUploadedFile(name, content))
    assert response.status_code == 302
    assert PlannedPost.objects.get().media.name.endswith(name[-4:])
