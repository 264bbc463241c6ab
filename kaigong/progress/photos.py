"""Photos of a construction site sent with a progress report: check, read and clean one before it is stored.

``process_photo`` takes what a phone sends (JPEG, PNG or HEIC) and returns what the report keeps: the image a browser
can show (JPEG, or PNG for a PNG), a JPEG thumbnail, the size as seen upright, when and where it was taken (from its
EXIF), its original format and the SHA-256 of the bytes received. Anything else is refused with ``PhotoError``,
whose message says why in Chinese (with English).

A photo is untrusted input. The format is decided by the content, never by the file name; the byte limit is applied
while reading, and the pixel limit from the header Pillow reads on opening, before anything is decoded, so a small
file claiming a huge image (a decompression bomb) is refused cheaply. The stored image and the thumbnail are
re-encoded without any metadata: the EXIF of a phone photo holds the place it was taken, which we keep in our own
fields, and a photo handed on (the bulletin, an export) should not carry it.
"""

import functools
import hashlib
import io
import re
import struct
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import BinaryIO

from django.conf import settings
from django.utils import timezone as django_timezone
from django.utils.translation import gettext_noop
from PIL import ExifTags, Image, ImageCms, ImageFile, ImageOps, UnidentifiedImageError

from kaigong.core.exceptions import KaigongError

# Defaults of the settings KAIGONG_PROGRESS_PHOTO_MAX_BYTES and KAIGONG_PROGRESS_PHOTO_MAX_PIXELS (read per call). A
# phone photo is 2–6 MB and 12–50 million pixels (48 MP sensors save 12 MP by default); 40 million pixels decode to
# 120 MB of RGB, which bounds the memory one upload can take.
MAX_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000
THUMBNAIL_SIDE = 360
JPEG_QUALITY = 85
# Pillow's format names. A phone's JPEG with a second picture (portrait depth, Samsung's multi-frame) opens as MPO:
# it is a JPEG and its first frame is the photo.
FORMATS = ("JPEG", "PNG", "HEIF")
ORIGINAL_FORMAT = {"JPEG": "JPEG", "MPO": "JPEG", "PNG": "PNG", "HEIF": "HEIF"}
# What Pillow raises from a damaged or hostile file, besides UnidentifiedImageError: decoders raise OSError ("image
# file is truncated"), the plugins' parsers SyntaxError, ValueError, struct.error, EOFError and IndexError on
# inconsistent headers, pillow-heif RuntimeError from libheif.
UNREADABLE = (OSError, SyntaxError, ValueError, TypeError, EOFError, IndexError, KeyError, struct.error, RuntimeError)
PNG_MODES = frozenset({"1", "L", "LA", "P", "RGB", "RGBA", "I;16"})
EXIF_DATETIME = "%Y:%m:%d %H:%M:%S"
EXIF_OFFSET = re.compile(r"([+-])(\d{2}):?(\d{2})")
SIX_PLACES = Decimal("0.000001")
READ_CHUNK = 1024 * 1024


class PhotoError(KaigongError):
    """A photo refused as a whole (the message says why, in Chinese with English)."""

    code = "photo"


@dataclass(frozen=True)
class ProcessedPhoto:
    """A photo ready to store: the image shown and its thumbnail (both without metadata), and what its EXIF said."""

    image_bytes: bytes  # JPEG, or PNG when a PNG was sent
    image_ext: str  # "jpg" or "png"
    thumbnail_bytes: bytes  # JPEG, longest side THUMBNAIL_SIDE (or the photo's own size when smaller)
    width: int  # upright, after the EXIF orientation
    height: int
    taken_at: datetime | None  # aware
    latitude: Decimal | None  # WGS84 degrees, 6 places, south negative
    longitude: Decimal | None  # WGS84 degrees, 6 places, west negative
    original_format: str  # "JPEG", "PNG" or "HEIF"
    sha256: str  # of the bytes received, hex
    filename: str = ""  # what the sender called it, for lists and the audit log (never trusted for the format)


def _process(data: bytes | BinaryIO, *, filename: str) -> ProcessedPhoto:
    """Check, read and clean one photo, or raise PhotoError saying why it is refused.

    ``filename`` is what the phone called the file. The format is decided by the content, never by the name: a HEIC
    renamed .jpg is read as the HEIC it is, a text file renamed .jpg is refused.
    """
    content = _read_limited(data)
    if not content:
        raise PhotoError(gettext_noop("照片文件为空"))
    _register_heif()
    image = _open(content)
    original_format = ORIGINAL_FORMAT[image.format]
    try:
        image.load()
    except Image.DecompressionBombError:
        raise _too_many_pixels() from None
    except UNREADABLE:
        raise _damaged() from None
    exif = _exif(image)
    image = _upright(image)
    image = _to_srgb(image)
    # The pixels alone: Pillow's encoders write ICC, a JPEG comment, PNG text from ``info``. A palette's
    # transparency is pixel data and stays. (``image`` is our own copy: exif_transpose returns a new image.)
    image.info = {"transparency": image.info["transparency"]} if "transparency" in image.info else {}
    if original_format == "PNG":
        image_bytes, image_ext = _encode_png(image), "png"
    else:
        image_bytes, image_ext = _encode_jpeg(image), "jpg"
    # Made from the JPEG-ready image: a palette image would otherwise be scaled by nearest neighbour.
    thumbnail = _for_jpeg(image).copy()
    thumbnail.thumbnail((THUMBNAIL_SIDE, THUMBNAIL_SIDE), Image.Resampling.LANCZOS, reducing_gap=3.0)
    latitude, longitude = _position(exif)
    return ProcessedPhoto(
        image_bytes=image_bytes,
        image_ext=image_ext,
        thumbnail_bytes=_encode_jpeg(thumbnail),
        width=image.width,
        height=image.height,
        taken_at=_taken_at(exif),
        latitude=latitude,
        longitude=longitude,
        original_format=original_format,
        sha256=hashlib.sha256(content).hexdigest(),
        filename=(filename or "").rsplit("/", 1)[-1].rsplit("\\", 1)[-1][:255],
    )


def process_photo(data: bytes | BinaryIO, *, filename: str) -> ProcessedPhoto:
    """Check, read and clean one photo, or raise PhotoError saying why it is refused.

    A truncated file is refused even where another library has told Pillow to load truncated images (WeasyPrint
    sets ``ImageFile.LOAD_TRUNCATED_IMAGES`` on import): the flag is held off while the photo is read.
    """
    with _LOCK:
        previous, ImageFile.LOAD_TRUNCATED_IMAGES = ImageFile.LOAD_TRUNCATED_IMAGES, False
        try:
            return _process(data, filename=filename)
        finally:
            ImageFile.LOAD_TRUNCATED_IMAGES = previous


_LOCK = threading.Lock()


@functools.cache
def _register_heif() -> None:
    # Imported here: pillow-heif loads libheif, which only photo uploads need.
    from pillow_heif import register_heif_opener

    register_heif_opener()


def _max_bytes() -> int:
    return getattr(settings, "KAIGONG_PROGRESS_PHOTO_MAX_BYTES", MAX_BYTES)


def _max_pixels() -> int:
    return getattr(settings, "KAIGONG_PROGRESS_PHOTO_MAX_PIXELS", MAX_PIXELS)


def _read_limited(data: bytes | BinaryIO) -> bytes:
    """The photo's bytes, refusing more than the limit without holding more than the limit (plus a chunk)."""
    limit = _max_bytes()
    if isinstance(data, bytes | bytearray | memoryview):
        content = bytes(data)
        size = len(content)
    else:
        content = data.read(limit + 1)
        size = len(content)
        if size > limit:
            while chunk := data.read(READ_CHUNK):  # only counted, for the message
                size += len(chunk)
    if size > limit:
        raise PhotoError(
            gettext_noop("照片过大(%(size)s),单张不超过 %(limit)s"),
            params={"size": _file_size(size), "limit": _file_size(limit)},
        )
    return content


def _file_size(size: int) -> str:
    for unit, scale in (("MB", 1024 * 1024), ("KB", 1024)):
        if size >= scale:
            return f"{size / scale:.1f}".rstrip("0").rstrip(".") + f" {unit}"
    return f"{size} B"


def _open(content: bytes) -> Image.Image:
    """The image with only its header read, its format one of FORMATS and its size within the pixel limit."""
    try:
        image = Image.open(io.BytesIO(content), formats=FORMATS)
    except UnidentifiedImageError:
        raise PhotoError(gettext_noop("照片格式不支持,请上传 JPEG、PNG 或 HEIC 图片")) from None
    except Image.DecompressionBombError:
        # Pillow's own limit (about 179 million pixels) is checked inside open, before we see the size.
        raise _too_many_pixels() from None
    except UNREADABLE:
        raise _damaged() from None
    width, height = image.size
    if width * height > _max_pixels():
        raise PhotoError(
            gettext_noop("照片像素过多(%(width)s × %(height)s),单张不超过 %(limit)s 像素"),
            params={"width": width, "height": height, "limit": f"{_max_pixels():,}"},
        )
    if not width or not height:
        raise _damaged()
    return image


def _too_many_pixels() -> PhotoError:
    return PhotoError(gettext_noop("照片像素过多,单张不超过 %(limit)s 像素"), params={"limit": f"{_max_pixels():,}"})


def _damaged() -> PhotoError:
    return PhotoError(gettext_noop("照片文件已损坏,无法读取"))


def _exif(image: Image.Image) -> Image.Exif:
    # Damaged EXIF does not make the photo unusable: it is then a photo without a time and place.
    try:
        return image.getexif()
    except UNREADABLE:
        return Image.Exif()


def _upright(image: Image.Image) -> Image.Image:
    """The image turned as the camera meant it (a HEIF is already: libheif applies its rotation on decoding)."""
    try:
        return ImageOps.exif_transpose(image)
    except UNREADABLE:
        return image


def _to_srgb(image: Image.Image) -> Image.Image:
    """Colours converted from the embedded ICC profile to sRGB, so the stored image, carrying no profile, looks the
    same: an iPhone's HEIC is Display P3 (dull without its profile), a print shop's JPEG CMYK."""
    profile = image.info.get("icc_profile")
    if profile and image.mode in ("RGB", "RGBA", "CMYK"):
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(profile))
            if "sRGB" not in ImageCms.getProfileDescription(source):
                output_mode = "RGBA" if image.mode == "RGBA" else "RGB"
                image = ImageCms.profileToProfile(image, source, ImageCms.createProfile("sRGB"), outputMode=output_mode)
        except (ImageCms.PyCMSError, *UNREADABLE):
            pass  # a broken profile: the colours as they are
    if image.mode == "CMYK":
        image = image.convert("RGB")
    return image


def _encode_png(image: Image.Image) -> bytes:
    if image.mode == "I":  # 32-bit greyscale, which Pillow's PNG encoder does not write
        image = image.convert("I;16")
    elif image.mode not in PNG_MODES:
        image = image.convert("RGBA" if image.has_transparency_data else "RGB")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def _encode_jpeg(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    _for_jpeg(image).save(buffer, format="JPEG", quality=JPEG_QUALITY, optimize=True)
    return buffer.getvalue()


def _for_jpeg(image: Image.Image) -> Image.Image:
    """An image JPEG can hold: RGB or greyscale, transparency laid on white (as a page shows a PNG)."""
    if image.mode in ("I", "I;16", "I;16B", "I;16L", "I;16N"):
        # 16-bit greyscale: scaled to 8 bits, not clipped to white.
        return image.point(lambda value: value / 256).convert("L")
    if image.has_transparency_data:
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, "white")
        return Image.alpha_composite(background, rgba).convert("RGB")
    if image.mode in ("L", "RGB"):
        return image
    return image.convert("RGB")


def _taken_at(exif: Image.Exif) -> datetime | None:
    """When the photo was taken: DateTimeOriginal, at OffsetTimeOriginal when the camera wrote it, else in the
    site's time zone (a phone writes local time, and Kaigong's sites are all in one)."""
    try:
        details = exif.get_ifd(ExifTags.IFD.Exif)
    except UNREADABLE:
        return None
    value = _text(details.get(ExifTags.Base.DateTimeOriginal))
    try:
        naive = datetime.strptime(value, EXIF_DATETIME)
    except ValueError:  # absent, blank ("    :  :     :  :  ") or nonsense (0000:00:00 00:00:00)
        return None
    match = EXIF_OFFSET.fullmatch(_text(details.get(ExifTags.Base.OffsetTimeOriginal)))
    if match:
        sign, hours, minutes = match.groups()
        offset = timedelta(hours=int(hours), minutes=int(minutes)) * (-1 if sign == "-" else 1)
        if abs(offset) <= timedelta(hours=14) and int(minutes) < 60:
            return naive.replace(tzinfo=timezone(offset))
    return django_timezone.make_aware(naive, django_timezone.get_default_timezone())


def _text(value) -> str:
    if isinstance(value, bytes):
        value = value.decode("ascii", errors="replace")
    return value.strip("\x00 ") if isinstance(value, str) else ""


def _position(exif: Image.Exif) -> tuple[Decimal | None, Decimal | None]:
    """Latitude and longitude from the GPS IFD, or (None, None) when absent, incomplete or impossible."""
    try:
        gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    except UNREADABLE:
        return None, None
    latitude = _coordinate(gps.get(ExifTags.GPS.GPSLatitude), gps.get(ExifTags.GPS.GPSLatitudeRef), "N", "S", 90)
    longitude = _coordinate(gps.get(ExifTags.GPS.GPSLongitude), gps.get(ExifTags.GPS.GPSLongitudeRef), "E", "W", 180)
    # A phone without a fix may write zeros; no site of ours is at 0°N 0°E.
    if latitude is None or longitude is None or (latitude == 0 and longitude == 0):
        return None, None
    return latitude, longitude


def _coordinate(value, ref, positive: str, negative: str, bound: int) -> Decimal | None:
    """Degrees from EXIF's (degrees, minutes, seconds) rationals; the reference letter gives the hemisphere, and
    without it the hemisphere is unknown."""
    ref = _text(ref).upper()
    if ref not in (positive, negative) or value is None:
        return None
    parts = value if isinstance(value, tuple | list) else (value,)
    if not 1 <= len(parts) <= 3:
        return None
    try:
        fractions = [_fraction(part) for part in parts]
    except (ValueError, TypeError, ZeroDivisionError, OverflowError):
        return None
    if any(part < 0 for part in fractions) or any(part >= 60 for part in fractions[1:]):
        return None
    degrees = sum(part / 60**index for index, part in enumerate(fractions))
    if degrees > bound:
        return None
    decimal = (Decimal(degrees.numerator) / Decimal(degrees.denominator)).quantize(SIX_PLACES, ROUND_HALF_UP)
    return -decimal if ref == negative else decimal


def _fraction(value) -> Fraction:
    # IFDRational keeps its numerator and denominator; a zero denominator (an unknown value) raises here.
    numerator, denominator = getattr(value, "numerator", value), getattr(value, "denominator", 1)
    if isinstance(numerator, float) or isinstance(denominator, float):
        return Fraction(numerator) / Fraction(denominator)
    return Fraction(int(numerator), int(denominator))
