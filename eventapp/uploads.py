"""Images people upload (logos now, speakers' photos later), checked by content and re-encoded.

The format comes from the bytes, never the file name or the declared type. Only JPEG, PNG and
WebP are taken; the pixel count is checked before decoding (no decompression bombs); the image
is decoded, turned upright, shrunk to a sane size and encoded afresh, which drops every piece of
metadata (EXIF, GPS, comments) and anything smuggled after the image data.
"""

import contextlib
import hashlib
import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError
from sqlalchemy import select
from sqlmodel import Session

from eventapp.i18n import gettext as _
from eventapp.models import Upload

MAX_BYTES = 5 * 1024 * 1024
MAX_PIXELS = 40_000_000
MAX_SIDE = 1600
THUMBNAIL_SIDE = 256
FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}


class UploadRefused(ValueError):
    """The message says what was wrong, for the person who sent the file."""


@dataclass(frozen=True)
class CheckedImage:
    data: bytes
    content_type: str
    width: int
    height: int


def _looks_like_markup(data: bytes) -> bool:
    head = data[:512].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return head.startswith((b"<?xml", b"<svg", b"<!doctype", b"<html", b"<!--"))


def check_image(data: bytes, *, max_side: int = MAX_SIDE) -> CheckedImage:
    if not data:
        raise UploadRefused(_("Choose a file to upload."))
    if len(data) > MAX_BYTES:
        raise UploadRefused(_("The file is larger than 5 MB."))
    if _looks_like_markup(data):
        # SVG can carry scripts; an HTML page renamed .png is not an image at all.
        raise UploadRefused(
            _("SVG and other markup files are not accepted. Upload a JPEG, PNG or WebP image.")
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=list(FORMATS))
            kind = image.format
            if image.width * image.height > MAX_PIXELS:
                raise UploadRefused(
                    _(
                        "The image has too many pixels (at most %(max)s million).",
                        max=MAX_PIXELS // 1_000_000,
                    )
                )
            image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise UploadRefused(
            _(
                "The image has too many pixels (at most %(max)s million).",
                max=MAX_PIXELS // 1_000_000,
            )
        ) from None
    except UnidentifiedImageError:
        raise UploadRefused(_("Upload a JPEG, PNG or WebP image.")) from None
    except (OSError, SyntaxError, ValueError) as exc:
        if isinstance(exc, UploadRefused):
            raise
        raise UploadRefused(_("The image could not be read; it may be damaged.")) from None
    # Unreadable orientation data: keep the image as it is stored.
    with contextlib.suppress(OSError, SyntaxError, ValueError, TypeError, KeyError):
        image = ImageOps.exif_transpose(image) or image
    image.thumbnail((max_side, max_side))
    has_alpha = image.mode in ("RGBA", "LA", "PA") or (
        image.mode == "P" and "transparency" in image.info
    )
    out = io.BytesIO()
    if kind == "JPEG" and not has_alpha:
        image.convert("RGB").save(out, "JPEG", quality=88, optimize=True)
    elif kind == "WEBP":
        image.convert("RGBA" if has_alpha else "RGB").save(out, "WEBP", quality=88)
    else:
        kind = "PNG"
        image.convert("RGBA" if has_alpha else "RGB").save(out, "PNG", optimize=True)
    return CheckedImage(out.getvalue(), FORMATS[kind], image.width, image.height)


def square_thumbnail(image: CheckedImage, *, side: int = THUMBNAIL_SIDE) -> CheckedImage:
    """A square of at most `side` pixels cut from the middle of an image that `check_image`
    already took (so it is decoded from our own clean bytes), in the same format. Made once,
    at upload, and stored as an upload of its own: pages never resize on the fly."""
    with Image.open(io.BytesIO(image.data)) as source:
        square = ImageOps.fit(source, (min(side, source.width, source.height),) * 2)
    out = io.BytesIO()
    if image.content_type == "image/jpeg":
        square.convert("RGB").save(out, "JPEG", quality=85, optimize=True)
    elif image.content_type == "image/webp":
        square.save(out, "WEBP", quality=85)
    else:
        square.save(out, "PNG", optimize=True)
    return CheckedImage(out.getvalue(), image.content_type, square.width, square.height)


def store_image(db: Session, image: CheckedImage) -> Upload:
    """The stored upload for these bytes (identical images are kept once)."""
    key = hashlib.sha256(image.data).hexdigest()[:40]
    existing = db.scalar(select(Upload).where(Upload.key == key))
    if existing is not None:
        return existing
    upload = Upload(
        key=key,
        content_type=image.content_type,
        width=image.width,
        height=image.height,
        size=len(image.data),
        data=image.data,
    )
    db.add(upload)
    db.flush()
    return upload


def image_from_form(value: object) -> tuple[CheckedImage | None, str]:
    """(the checked image of a form's file field, "") or (None, why it was refused). Call it
    after the access check, so nobody without the right can make the server decode images."""
    file = getattr(value, "file", None)  # a starlette UploadFile; anything else is no file
    if file is None:
        return None, _("Choose a file to upload.")
    file.seek(0)
    try:
        return check_image(file.read(MAX_BYTES + 1)), ""
    except UploadRefused as refused:
        return None, str(refused)


def store_photo(db: Session, image: CheckedImage) -> tuple[Upload, Upload]:
    """A person's photo and its square thumbnail, both stored (each kept once)."""
    return store_image(db, image), store_image(db, square_thumbnail(image))
