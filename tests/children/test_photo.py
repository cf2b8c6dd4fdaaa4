"""The child's photo: JPEG or PNG only, judged by content; size-limited; re-encoded so no
metadata survives; kept out of static and served only through an access-checked view that
logs each viewing; held with consent (HAR 7.3) and published only with the local
authority's separate consent (HAR 7.4)."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from children.models import Child, RecordAccess
from children.services import record_photo, record_photo_media_consent
from core.errors import Conflict, NotAllowed, Refused

NOW = dt.datetime(2026, 6, 10, 12, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _image(format: str, *, exif: bool = False, size: tuple[int, int] = (40, 30)) -> bytes:
    image = Image.new("RGB", size, (200, 30, 30))
    out = io.BytesIO()
    if exif:
        data = Image.Exif()
        data[0x010E] = "secret description"  # ImageDescription
        data[0x0131] = "Camera app"  # Software
        image.save(out, format=format, exif=data.tobytes(), comment=b"a comment")
    else:
        image.save(out, format=format)
    return out.getvalue()


def _upload(name: str, content: bytes, content_type: str = "image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def _post(client, world, upload: SimpleUploadedFile, **overrides: str):
    data = {
        "photo": upload,
        "consent_given_by": "Pat Fictional (mother)",
        "child_agreement": "agreed",
    }
    data.update(overrides)
    return client.post(reverse("children:photo", args=[world.child.pk]), data)


def test_a_png_named_jpg_is_accepted_and_stored_as_a_fresh_jpeg(client, world, settings):
    client.force_login(world.social_worker)
    response = _post(client, world, _upload("holiday.jpg", _image("PNG")))
    assert response.status_code == 302, response.content.decode()[:2000]
    child = Child.objects.get(pk=world.child.pk)
    assert child.photo.name.endswith(".jpg") and "holiday" not in child.photo.name
    assert str(settings.MEDIA_ROOT) in child.photo.path
    assert not child.photo.path.startswith(str(settings.BASE_DIR / "static"))
    with Image.open(child.photo.path) as stored:
        assert stored.format == "JPEG"
    assert child.photo_consent_given_by == "Pat Fictional (mother)"
    assert child.photo_child_agreement == "agreed"
    assert child.photo_recorded_by == world.social_worker


def test_no_metadata_survives_the_re_encoding(world):
    record_photo(
        acting_user=world.social_worker,
        child=world.child,
        upload=io.BytesIO(_image("JPEG", exif=True)),
        size=1000,
        consent_given_by="Pat",
        child_agreement="not_possible",
    )
    path = Child.objects.get(pk=world.child.pk).photo.path
    with Image.open(path) as stored:
        assert dict(stored.getexif()) == {}
        assert "comment" not in stored.info and "exif" not in stored.info
    with open(path, "rb") as stored_file:
        raw = stored_file.read()
    assert b"secret description" not in raw and b"a comment" not in raw


SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
HTML = b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("photo.svg", SVG, "image/svg+xml"),
        ("photo.png", HTML, "image/png"),
        ("photo.gif", b"GIF89a" + b"\0" * 100, "image/gif"),
    ],
)
def test_an_svg_an_html_file_named_png_and_other_formats_are_refused(
    client, world, name, content, content_type
):
    client.force_login(world.social_worker)
    response = _post(client, world, _upload(name, content, content_type))
    assert response.status_code == 200
    assert "The photo must be a JPEG or PNG image" in response.content.decode()
    assert not Child.objects.get(pk=world.child.pk).photo


def test_a_30_mb_file_is_refused_and_just_under_the_limit_is_judged_by_content(client, world):
    client.force_login(world.social_worker)
    big = _image("JPEG") + b"\0" * (30 * 1024 * 1024)
    response = _post(client, world, _upload("big.jpg", big))
    assert response.status_code == 200
    assert "The photo must be smaller than 10 MB" in response.content.decode()
    assert not Child.objects.get(pk=world.child.pk).photo
    # The other side of the boundary: a file of exactly 10 MB is read (a JPEG with padding).
    padded = _image("JPEG")
    padded += b"\0" * (10 * 1024 * 1024 - len(padded))
    response = _post(client, world, _upload("padded.jpg", padded))
    assert response.status_code == 302


def test_consent_is_required_and_shown_as_an_error(client, world):
    client.force_login(world.social_worker)
    response = _post(client, world, _upload("a.png", _image("PNG")), consent_given_by="")
    assert response.status_code == 200
    assert "Enter the name of the person with parental responsibility" in response.content.decode()
    with pytest.raises(Refused):
        record_photo(
            acting_user=world.social_worker,
            child=world.child,
            upload=io.BytesIO(_image("PNG")),
            size=100,
            consent_given_by="Pat",
            child_agreement="",
        )


def test_the_photo_is_served_only_to_those_who_may_see_the_child_and_each_view_is_logged(
    client, world
):
    record_photo(
        acting_user=world.social_worker,
        child=world.child,
        upload=io.BytesIO(_image("PNG")),
        size=100,
        consent_given_by="Pat",
        child_agreement="agreed",
    )
    url = reverse("children:photo_image", args=[world.child.pk])
    assert client.get(url).status_code == 302, "signed out: to the sign-in page"
    client.force_login(world.other_social_worker)
    assert client.get(url).status_code == 404
    client.force_login(world.team_manager)
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["Cache-Control"] == "private, no-store"
    assert b"".join(response.streaming_content)[:2] == b"\xff\xd8"
    logged = RecordAccess.objects.filter(child=world.child, user=world.team_manager).get()
    assert logged.via == f"GET {url}"
    record = client.get(reverse("casework:child_record", args=[world.child.pk])).content.decode()
    assert url in record and "/media/" not in record


def test_media_publication_needs_the_local_authoritys_separate_consent(client, world):
    with pytest.raises(Conflict):
        record_photo_media_consent(
            acting_user=world.team_manager, child=world.child, reason="High risk"
        )
    record_photo(
        acting_user=world.social_worker,
        child=world.child,
        upload=io.BytesIO(_image("PNG")),
        size=100,
        consent_given_by="Pat",
        child_agreement="agreed",
    )
    assert Child.objects.get(pk=world.child.pk).photo_media_consent_at is None
    with pytest.raises(NotAllowed):
        record_photo_media_consent(
            acting_user=world.social_worker, child=world.child, reason="High risk"
        )
    url = reverse("children:photo_media_consent", args=[world.child.pk])
    client.force_login(world.social_worker)
    record = reverse("casework:child_record", args=[world.child.pk])
    assert url not in client.get(record).content.decode()
    client.force_login(world.team_manager)
    assert url in client.get(record).content.decode()
    response = client.post(url, {"reason": "Significant risk of exploitation; police request."})
    assert response.status_code == 302
    child = Child.objects.get(pk=world.child.pk)
    assert (child.photo_media_consent_by, child.photo_media_consent_at) == (world.team_manager, NOW)


def test_police_may_not_upload_a_photo(client, world):
    with pytest.raises(NotAllowed):
        record_photo(
            acting_user=world.police_liaison,
            child=world.child,
            upload=io.BytesIO(_image("PNG")),
            size=100,
            consent_given_by="Pat",
            child_agreement="agreed",
        )
