"""Logo uploads: the format is read from the bytes, bad files get a clear 422 beside the field,
oversized bodies are refused before they are read, metadata never survives, and the stored
image is served as the type it is."""

import io

import pytest
from PIL import ExifTags, Image
from sqlalchemy import func, select

from eventapp import uploads
from eventapp.app import MAX_MULTIPART_BYTES
from eventapp.models import EventStatus, Organisation, Upload
from tests.factories import log_in, make_event, make_user, page, submit


def image_bytes(kind: str, size=(80, 40), mode="RGB", **save) -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, (10, 80, 160) if mode == "RGB" else 0).save(out, kind, **save)
    return out.getvalue()


def jpeg_with_gps() -> bytes:
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Phone maker"
    exif[ExifTags.Base.ImageDescription] = "Ministry courtyard"
    exif[ExifTags.IFD.GPSInfo] = {1: "N", 2: (13.0, 45.0, 0.0), 3: "E", 4: (100.0, 30.0, 0.0)}
    data = image_bytes("JPEG", exif=exif)
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(ExifTags.IFD.GPSInfo)  # arranged
    return data


SVG = (
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
)
HTML = b"<!doctype html><html><body><script>alert(1)</script></body></html>"
NOT_AN_IMAGE = "Upload a JPEG, PNG or WebP image."
MARKUP = "SVG and other markup files are not accepted. Upload a JPEG, PNG or WebP image."
DAMAGED = "The image could not be read; it may be damaged."
TOO_MANY_PIXELS = "The image has too many pixels (at most 40 million)."


# The checks, without HTTP --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "content_type"),
    [("JPEG", "image/jpeg"), ("PNG", "image/png"), ("WEBP", "image/webp")],
)
def test_jpeg_png_and_webp_are_taken_and_re_encoded(kind, content_type):
    original = image_bytes(kind)

    checked = uploads.check_image(original)

    assert (checked.content_type, checked.width, checked.height) == (content_type, 80, 40)
    assert Image.open(io.BytesIO(checked.data)).format == kind


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (SVG, MARKUP),
        (b"\n  <svg xmlns='http://www.w3.org/2000/svg'/>", MARKUP),
        (HTML, MARKUP),
        (image_bytes("GIF", mode="P"), NOT_AN_IMAGE),
        (image_bytes("BMP"), NOT_AN_IMAGE),
        (image_bytes("TIFF"), NOT_AN_IMAGE),
        (b"%PDF-1.7 not an image", NOT_AN_IMAGE),
        (image_bytes("PNG", size=(400, 400))[:300], DAMAGED),
        (image_bytes("JPEG", size=(400, 400))[:400], DAMAGED),
        (b"", "Choose a file to upload."),
        (b"\xff" * (uploads.MAX_BYTES + 1), "The file is larger than 5 MB."),
    ],
    ids=["svg", "svg-after-blank", "html", "gif", "bmp", "tiff", "pdf", "truncated-png",
         "truncated-jpeg", "empty", "over-5-mb"],
)  # fmt: skip
def test_anything_else_is_refused_with_a_clear_message(data, message):
    with pytest.raises(uploads.UploadRefused) as refused:
        uploads.check_image(data)

    assert str(refused.value) == message


@pytest.mark.parametrize("size", [(8000, 6000), (10_000, 10_000)], ids=["48-mp", "100-mp-bomb"])
def test_too_many_pixels_are_refused_before_decoding(size):
    small_file_huge_image = image_bytes("PNG", size=size, mode="1")
    assert len(small_file_huge_image) < 20_000

    with pytest.raises(uploads.UploadRefused) as refused:
        uploads.check_image(small_file_huge_image)

    assert str(refused.value) == TOO_MANY_PIXELS


def test_exif_and_gps_metadata_are_stripped():
    checked = uploads.check_image(jpeg_with_gps())

    stored = Image.open(io.BytesIO(checked.data))
    assert dict(stored.getexif()) == {}
    assert stored.getexif().get_ifd(ExifTags.IFD.GPSInfo) == {}
    assert "exif" not in stored.info


def test_bytes_after_the_image_are_dropped():
    smuggled = image_bytes("PNG") + b"<script>alert(1)</script>"

    checked = uploads.check_image(smuggled)

    assert checked.data == uploads.check_image(image_bytes("PNG")).data


def test_large_images_are_shrunk():
    checked = uploads.check_image(image_bytes("PNG", size=(4000, 1000)))

    assert (checked.width, checked.height) == (1600, 400)


# Through the co-host form --------------------------------------------------------------------


@pytest.fixture
def owner(db):
    return make_user(db)


@pytest.fixture
def event(db, owner):
    return make_event(db, owner=owner, status=EventStatus.DRAFT)


def add_with_logo(client, event, filename, data, content_type="image/png"):
    return submit(
        client,
        f"/manage/events/{event.id}/hosts/new",
        {"name": "Ministry of Foreign Affairs"},
        files={"logo": (filename, data, content_type)},
    )


def counts(db) -> tuple[int, int]:
    found = (
        db.scalar(select(func.count(Organisation.id))),
        db.scalar(select(func.count(Upload.id))),
    )
    db.commit()
    return found


@pytest.mark.parametrize(
    ("filename", "data", "content_type", "message"),
    [
        ("logo.svg", SVG, "image/svg+xml", MARKUP),
        ("logo.png", HTML, "image/png", MARKUP),
        ("logo.gif", image_bytes("GIF", mode="P"), "image/gif", NOT_AN_IMAGE),
        ("logo.png", image_bytes("PNG", size=(400, 400))[:300], "image/png", DAMAGED),
        ("logo.png", image_bytes("PNG", size=(8000, 6000), mode="1"), "image/png",
         TOO_MANY_PIXELS),
    ],
    ids=["svg", "html-named-png", "gif", "truncated", "pixels"],
)  # fmt: skip
def test_a_bad_logo_answers_422_beside_the_field_and_saves_nothing(
    client, db, owner, event, filename, data, content_type, message
):
    log_in(client, owner)

    response = add_with_logo(client, event, filename, data, content_type)

    soup = page(response)
    assert response.status_code == 422
    assert soup.select_one("#error-logo").get_text() == message
    assert soup.select_one("#input-logo")["aria-invalid"] == "true"
    assert soup.select_one("#input-name")["value"] == "Ministry of Foreign Affairs"
    assert counts(db) == (0, 0)


def test_the_format_comes_from_the_content_not_the_name_or_header(client, db, owner, event):
    log_in(client, owner)

    add_with_logo(client, event, "logo.jpg", image_bytes("PNG"), "image/jpeg")

    assert db.scalar(select(Upload.content_type)) == "image/png"


def test_a_body_over_the_limit_is_refused_with_413_before_it_is_read(client, db, owner, event):
    log_in(client, owner)

    response = add_with_logo(client, event, "huge.png", b"\x89PNG" + b"\0" * MAX_MULTIPART_BYTES)

    assert response.status_code == 413
    assert counts(db) == (0, 0)


def test_a_file_just_over_5_mb_answers_422_beside_the_field(client, db, owner, event):
    log_in(client, owner)
    data = image_bytes("PNG") + b"\0" * (uploads.MAX_BYTES + 10_000)

    response = add_with_logo(client, event, "big.png", data)

    assert response.status_code == 422
    assert page(response).select_one("#error-logo").get_text() == "The file is larger than 5 MB."
    assert counts(db) == (0, 0)


def test_an_uploaded_photo_keeps_no_gps_data(client, db, owner, event):
    log_in(client, owner)

    add_with_logo(client, event, "photo.jpg", jpeg_with_gps(), "image/jpeg")

    stored = db.scalar(select(Upload.data))
    image = Image.open(io.BytesIO(stored))
    assert (image.format, dict(image.getexif())) == ("JPEG", {})
    assert image.getexif().get_ifd(ExifTags.IFD.GPSInfo) == {}


# Serving -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("kind", "content_type"), [("PNG", "image/png"), ("JPEG", "image/jpeg")])
def test_media_is_served_as_its_type_with_nosniff(client, db, kind, content_type):
    upload = uploads.store_image(db, uploads.check_image(image_bytes(kind)))
    db.commit()

    response = client.get(f"/media/{upload.key}")

    assert response.status_code == 200
    assert response.headers["content-type"] == content_type
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.content == upload.data


@pytest.mark.parametrize("key", ["0" * 40, "not-a-key", "..%2F..%2Fetc%2Fpasswd", "x" * 500])
def test_unknown_media_answers_404(client, db, key):
    response = client.get(f"/media/{key}")

    assert response.status_code == 404
