"""process_photo: what it reads from a phone's photo, what it stores, and what it refuses (images made here)."""

import datetime as dt
import hashlib
import io
import struct
import zlib
from decimal import Decimal
from zoneinfo import ZoneInfo

import pillow_heif
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from PIL import ExifTags, Image, ImageCms, ImageDraw, features
from PIL.PngImagePlugin import PngInfo
from PIL.TiffImagePlugin import IFDRational

from kaigong.progress.photos import PhotoError, process_photo

SHANGHAI = ZoneInfo("Asia/Shanghai")
# 侯马: 35.619°N 111.372°E, as a phone writes it (degrees, minutes, seconds).
HOUMA_LATITUDE = (IFDRational(35, 1), IFDRational(37, 1), IFDRational(84, 10))
HOUMA_LONGITUDE = (IFDRational(111, 1), IFDRational(22, 1), IFDRational(192, 10))
UNSUPPORTED = "照片格式不支持,请上传 JPEG、PNG 或 HEIC 图片"
DAMAGED = "照片文件已损坏,无法读取"


def make_exif(
    *,
    taken="2026:11:03 14:25:07",
    offset=None,
    latitude=HOUMA_LATITUDE,
    longitude=HOUMA_LONGITUDE,
    lat_ref="N",
    lon_ref="E",
    orientation=None,
) -> Image.Exif:
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Huawei"
    if orientation:
        exif[ExifTags.Base.Orientation] = orientation
    details = {}
    if taken:
        details[ExifTags.Base.DateTimeOriginal] = taken
    if offset:
        details[ExifTags.Base.OffsetTimeOriginal] = offset
    if details:
        exif[ExifTags.IFD.Exif] = details
    if latitude:
        exif[ExifTags.IFD.GPSInfo] = {
            ExifTags.GPS.GPSLatitudeRef: lat_ref,
            ExifTags.GPS.GPSLatitude: latitude,
            ExifTags.GPS.GPSLongitudeRef: lon_ref,
            ExifTags.GPS.GPSLongitude: longitude,
        }
    return exif


def halves(size=(400, 200), mode="RGB") -> Image.Image:
    """Left half red, right half blue: shows which way an image was turned."""
    image = Image.new(mode, size, "blue")
    ImageDraw.Draw(image).rectangle((0, 0, size[0] // 2 - 1, size[1]), fill="red")
    return image


def encode(image: Image.Image, format: str, **params) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=format, **params)
    return buffer.getvalue()


def noise(size=(300, 200)) -> Image.Image:
    return Image.frombytes("RGB", size, bytes(range(256)) * (size[0] * size[1] * 3 // 256 + 1))


def png_header(width: int, height: int, idat: bytes) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def swapped_profile() -> bytes:
    """An ICC v2 RGB profile whose red and blue primaries are sRGB's blue and red: an image tagged with it that
    stores (255, 0, 0) shows blue once colour managed."""

    def fixed(value: float) -> bytes:
        return struct.pack(">i", round(value * 65536))

    def xyz(x: float, y: float, z: float) -> bytes:
        return b"XYZ " + bytes(4) + fixed(x) + fixed(y) + fixed(z)

    name = b"swapped primaries\x00"
    description = b"desc" + bytes(4) + struct.pack(">I", len(name)) + name + bytes(4 + 4 + 2 + 1 + 67)
    gamma = b"curv" + bytes(4) + struct.pack(">IH", 1, 0x0233) + bytes(2)
    tags = [
        (b"desc", description),
        (b"wtpt", xyz(0.9642, 1.0, 0.8249)),
        (b"rXYZ", xyz(0.1431, 0.0606, 0.7141)),
        (b"gXYZ", xyz(0.3851, 0.7169, 0.0971)),
        (b"bXYZ", xyz(0.4361, 0.2225, 0.0139)),
        (b"rTRC", gamma),
        (b"gTRC", gamma),
        (b"bTRC", gamma),
    ]
    offset = 128 + 4 + 12 * len(tags)
    table, data = struct.pack(">I", len(tags)), b""
    for signature, body in tags:
        body += bytes(-len(body) % 4)
        table += signature + struct.pack(">II", offset + len(data), len(body))
        data += body
    size = offset + len(data)
    header = struct.pack(">I4sI4s4s4s", size, b"lcms", 0x02100000, b"mntr", b"RGB ", b"XYZ ") + bytes(12) + b"acsp"
    header += bytes(68 - len(header)) + fixed(0.9642) + fixed(1.0) + fixed(0.8249)
    return header + bytes(128 - len(header)) + table + data


def heif_encoder_available() -> bool:
    return bool(pillow_heif.libheif_info().get("HEIF"))


def test_jpeg_time_and_place_are_read_from_exif():
    content = encode(halves(), "JPEG", exif=make_exif())
    photo = process_photo(content, filename="现场.jpg")
    assert photo.taken_at == dt.datetime(2026, 11, 3, 14, 25, 7, tzinfo=SHANGHAI)
    assert photo.taken_at.utcoffset() == dt.timedelta(hours=8)
    assert photo.latitude == Decimal("35.619000")
    assert photo.longitude == Decimal("111.372000")
    assert photo.latitude.as_tuple().exponent == -6
    assert (photo.original_format, photo.image_ext, photo.width, photo.height) == ("JPEG", "jpg", 400, 200)
    assert photo.sha256 == hashlib.sha256(content).hexdigest()


def test_offset_time_original_is_used_when_present():
    content = encode(halves(), "JPEG", exif=make_exif(offset="-05:00"))
    taken_at = process_photo(content, filename="a.jpg").taken_at
    assert taken_at.utcoffset() == dt.timedelta(hours=-5)
    assert taken_at == dt.datetime(2026, 11, 3, 19, 25, 7, tzinfo=dt.UTC)


def test_naive_time_follows_the_time_zone_setting(settings):
    settings.TIME_ZONE = "Asia/Urumqi"
    taken_at = process_photo(encode(halves(), "JPEG", exif=make_exif()), filename="a.jpg").taken_at
    assert taken_at.utcoffset() == dt.timedelta(hours=6)


def test_south_and_west_are_negative():
    content = encode(halves(), "JPEG", exif=make_exif(lat_ref="S", lon_ref="W"))
    photo = process_photo(content, filename="a.jpg")
    assert (photo.latitude, photo.longitude) == (Decimal("-35.619000"), Decimal("-111.372000"))


@pytest.mark.parametrize(
    "exif_params",
    [
        {"taken": "0000:00:00 00:00:00", "latitude": None},
        {"taken": "    :  :     :  :  ", "latitude": None},
        {"taken": None, "latitude": (IFDRational(95, 1), IFDRational(0, 1), IFDRational(0, 1))},
        {"taken": None, "longitude": (IFDRational(181, 1), IFDRational(0, 1), IFDRational(0, 1))},
        {"taken": None, "lat_ref": ""},
        {"taken": None, "latitude": (IFDRational(35, 0), IFDRational(0, 1), IFDRational(0, 1))},
        {"taken": None, "latitude": (IFDRational(0, 1),) * 3, "longitude": (IFDRational(0, 1),) * 3},
    ],
    ids=["zero-date", "blank-date", "latitude-95", "longitude-181", "no-hemisphere", "zero-denominator", "zeros"],
)
def test_absent_or_nonsense_exif_gives_none(exif_params):
    photo = process_photo(encode(halves(), "JPEG", exif=make_exif(**exif_params)), filename="a.jpg")
    assert photo.taken_at is None
    assert (photo.latitude, photo.longitude) == (None, None)


def test_photo_without_exif():
    photo = process_photo(encode(halves(), "JPEG"), filename="a.jpg")
    assert (photo.taken_at, photo.latitude, photo.longitude) == (None, None, None)


def test_orientation_6_is_applied():
    content = encode(halves((400, 200)), "JPEG", exif=make_exif(orientation=6))
    photo = process_photo(content, filename="a.jpg")
    assert (photo.width, photo.height) == (200, 400)
    stored = Image.open(io.BytesIO(photo.image_bytes))
    assert stored.size == (200, 400)
    # Turned 90° clockwise: the left (red) half is now on top.
    red, _, blue = stored.getpixel((100, 50))
    assert red > 200 and blue < 60
    assert Image.open(io.BytesIO(photo.thumbnail_bytes)).size == (180, 360)


def test_stored_image_and_thumbnail_carry_no_metadata():
    content = encode(halves(), "JPEG", exif=make_exif(), comment=b"site secret")
    assert b"Exif" in content
    photo = process_photo(content, filename="a.jpg")
    for data in (photo.image_bytes, photo.thumbnail_bytes):
        image = Image.open(io.BytesIO(data))
        assert image.format == "JPEG"
        assert not image.getexif()
        assert not image.getexif().get_ifd(ExifTags.IFD.GPSInfo)
        assert b"Exif" not in data and b"site secret" not in data and b"Huawei" not in data
        assert "comment" not in image.info and "icc_profile" not in image.info


def test_png_with_alpha_is_kept_as_png_without_metadata():
    image = halves(mode="RGBA")
    ImageDraw.Draw(image).rectangle((0, 0, 99, 99), fill=(0, 0, 0, 0))
    text = PngInfo()
    text.add_text("Location", "侯马 35.619N 111.372E")
    content = encode(image, "PNG", pnginfo=text, exif=make_exif())
    photo = process_photo(content, filename="图.PNG")
    assert (photo.original_format, photo.image_ext) == ("PNG", "png")
    assert (photo.latitude, photo.longitude) == (Decimal("35.619000"), Decimal("111.372000"))
    stored = Image.open(io.BytesIO(photo.image_bytes))
    assert stored.format == "PNG" and stored.mode == "RGBA"
    assert stored.getpixel((0, 0))[3] == 0
    assert not stored.getexif() and "Location" not in stored.info
    assert b"eXIf" not in photo.image_bytes and b"tEXt" not in photo.image_bytes and b"iTXt" not in photo.image_bytes
    thumbnail = Image.open(io.BytesIO(photo.thumbnail_bytes))
    assert thumbnail.format == "JPEG" and thumbnail.mode == "RGB"
    assert thumbnail.getpixel((20, 20)) == pytest.approx((255, 255, 255), abs=8)  # transparency laid on white


def test_palette_png_keeps_its_transparency():
    image = halves().convert("P", palette=Image.Palette.ADAPTIVE, colors=4)
    transparent = image.getpixel((0, 0))
    photo = process_photo(encode(image, "PNG", transparency=transparent), filename="a.png")
    stored = Image.open(io.BytesIO(photo.image_bytes))
    assert stored.mode == "P"
    assert stored.convert("RGBA").getpixel((0, 0))[3] == 0
    assert stored.convert("RGBA").getpixel((399, 0))[3] == 255


def test_cmyk_jpeg_is_stored_as_rgb():
    photo = process_photo(encode(halves().convert("CMYK"), "JPEG"), filename="a.jpg")
    stored = Image.open(io.BytesIO(photo.image_bytes))
    assert stored.mode == "RGB"
    red, _, blue = stored.getpixel((50, 100))
    assert red > 200 and blue < 60


def test_mpo_is_a_jpeg():
    content = encode(halves(), "MPO", save_all=True, append_images=[noise()], exif=make_exif())
    photo = process_photo(content, filename="a.jpg")
    assert (photo.original_format, photo.image_ext, photo.width) == ("JPEG", "jpg", 400)
    assert photo.latitude == Decimal("35.619000")


@pytest.mark.skipif(not heif_encoder_available(), reason="libheif has no HEVC encoder here")
def test_heic_is_converted_to_jpeg():
    heif = pillow_heif.from_pillow(halves((640, 480)))
    heif.info["exif"] = make_exif().tobytes()
    buffer = io.BytesIO()
    heif.save(buffer, quality=80)
    content = buffer.getvalue()
    assert content[4:12] == b"ftypheic"
    photo = process_photo(content, filename="IMG_0001.HEIC")
    assert (photo.original_format, photo.image_ext, photo.width, photo.height) == ("HEIF", "jpg", 640, 480)
    assert photo.taken_at == dt.datetime(2026, 11, 3, 14, 25, 7, tzinfo=SHANGHAI)
    assert photo.latitude == Decimal("35.619000")
    stored = Image.open(io.BytesIO(photo.image_bytes))
    assert stored.format == "JPEG" and not stored.getexif()
    assert Image.open(io.BytesIO(photo.thumbnail_bytes)).size == (360, 270)


def heic(image: Image.Image) -> bytes:
    if not heif_encoder_available():
        pytest.skip("libheif has no HEVC encoder here")
    buffer = io.BytesIO()
    pillow_heif.from_pillow(image).save(buffer)
    return buffer.getvalue()


def test_heic_named_jpg_is_read_by_its_content():
    assert process_photo(heic(halves()), filename="a.jpg").original_format == "HEIF"


def test_truncated_heic_is_refused():
    content = heic(noise((640, 480)))
    with pytest.raises(PhotoError) as error:
        process_photo(content[: len(content) // 2], filename="a.heic")
    assert error.value.msgid == DAMAGED


def test_heic_pixel_limit(settings):
    settings.KAIGONG_PROGRESS_PHOTO_MAX_PIXELS = 1000
    with pytest.raises(PhotoError) as error:
        process_photo(heic(halves((640, 480))), filename="a.heic")
    assert error.value.params == {"width": 640, "height": 480, "limit": "1,000"}


def test_django_upload_is_read():
    content = encode(halves(), "JPEG", exif=make_exif())
    photo = process_photo(SimpleUploadedFile("现场.jpg", content, "image/jpeg"), filename="现场.jpg")
    assert photo.sha256 == hashlib.sha256(content).hexdigest()
    assert photo.latitude == Decimal("35.619000")


def test_colour_profile_is_not_stored_and_a_broken_one_is_ignored():
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    for profile in (srgb, b"not an icc profile"):
        photo = process_photo(encode(halves(), "JPEG", icc_profile=profile), filename="a.jpg")
        stored = Image.open(io.BytesIO(photo.image_bytes))
        assert "icc_profile" not in stored.info
        red, _, blue = stored.getpixel((50, 100))
        assert red > 200 and blue < 60


def test_colours_are_converted_to_srgb_from_the_embedded_profile():
    photo = process_photo(encode(halves(), "JPEG", icc_profile=swapped_profile()), filename="a.jpg")
    stored = Image.open(io.BytesIO(photo.image_bytes))
    assert "icc_profile" not in stored.info
    red, _, blue = stored.getpixel((50, 100))  # stored red, meant blue
    assert blue > 200 and red < 60


@pytest.mark.parametrize(
    "content",
    [
        "这不是图片,只是改了扩展名".encode(),
        encode(halves(), "GIF"),
        encode(halves(), "BMP"),
        pytest.param(encode(halves(), "WEBP"), marks=pytest.mark.skipif(not features.check("webp"), reason="no webp")),
        pytest.param(encode(halves(), "AVIF"), marks=pytest.mark.skipif(not features.check("avif"), reason="no avif")),
    ],
    ids=["text", "gif", "bmp", "webp", "avif"],
)
def test_other_formats_are_refused(content):
    with pytest.raises(PhotoError) as error:
        process_photo(content, filename="现场.jpg")
    assert error.value.msgid == UNSUPPORTED


def test_empty_file_is_refused():
    with pytest.raises(PhotoError) as error:
        process_photo(b"", filename="a.jpg")
    assert error.value.msgid == "照片文件为空"


@pytest.mark.parametrize("format", ["JPEG", "PNG"])
def test_truncated_file_is_refused(format):
    content = encode(noise(), format)
    with pytest.raises(PhotoError) as error:
        process_photo(content[: len(content) // 2], filename="a.jpg")
    assert error.value.msgid == DAMAGED


def test_too_many_bytes_are_refused(settings):
    settings.KAIGONG_PROGRESS_PHOTO_MAX_BYTES = 2048
    content = encode(noise(), "JPEG")
    assert len(content) > 2048
    for data in (content, io.BytesIO(content)):
        with pytest.raises(PhotoError) as error:
            process_photo(data, filename="a.jpg")
        assert error.value.msgid == "照片过大(%(size)s),单张不超过 %(limit)s"
        assert error.value.params["limit"] == "2 KB"
        assert error.value.params["size"] == f"{len(content) / 1024:.1f}".rstrip("0").rstrip(".") + " KB"
    settings.KAIGONG_PROGRESS_PHOTO_MAX_BYTES = len(content)
    assert process_photo(io.BytesIO(content), filename="a.jpg").sha256 == hashlib.sha256(content).hexdigest()


def test_byte_limit_defaults_to_10_mb(settings):
    del settings.KAIGONG_PROGRESS_PHOTO_MAX_BYTES
    with pytest.raises(PhotoError) as error:
        process_photo(b"\xff\xd8" + bytes(10 * 1024 * 1024), filename="a.jpg")
    assert error.value.params == {"size": "10 MB", "limit": "10 MB"}


def test_too_many_pixels_are_refused(settings):
    settings.KAIGONG_PROGRESS_PHOTO_MAX_PIXELS = 400 * 200 - 1
    with pytest.raises(PhotoError) as error:
        process_photo(encode(halves(), "PNG"), filename="a.png")
    assert error.value.params == {"width": 400, "height": 200, "limit": "79,999"}
    assert "照片像素过多" in error.value.message
    settings.KAIGONG_PROGRESS_PHOTO_MAX_PIXELS = 400 * 200
    assert process_photo(encode(halves(), "PNG"), filename="a.png").width == 400


def test_pixel_limit_is_checked_from_the_header_before_decoding(settings):
    del settings.KAIGONG_PROGRESS_PHOTO_MAX_PIXELS
    # 9000 × 9000 (81 million) with pixel data that cannot decode: refused for its size, so never decoded.
    with pytest.raises(PhotoError) as error:
        process_photo(png_header(9000, 9000, b"garbage"), filename="a.png")
    assert error.value.params == {"width": 9000, "height": 9000, "limit": "40,000,000"}
    # 50000 × 50000: past Pillow's own decompression bomb limit too.
    with pytest.raises(PhotoError) as error:
        process_photo(png_header(50000, 50000, zlib.compress(b"")), filename="a.png")
    assert error.value.params == {"limit": "40,000,000"}
    assert "照片像素过多" in error.value.message


def test_thumbnail_longest_side_is_360():
    photo = process_photo(encode(noise((1200, 800)), "JPEG"), filename="a.jpg")
    thumbnail = Image.open(io.BytesIO(photo.thumbnail_bytes))
    assert thumbnail.format == "JPEG" and thumbnail.size == (360, 240)
    assert Image.open(io.BytesIO(photo.image_bytes)).size == (1200, 800)


def test_error_message_is_bilingual_ready():
    with pytest.raises(PhotoError) as error:
        process_photo(b"hello", filename="a.jpg")
    assert error.value.message == UNSUPPORTED
    assert error.value.code == "photo" and error.value.status == 400


MODES = ["1", "L", "LA", "P", "RGB", "RGBA", "CMYK", "I;16"]
SAVE_FORMATS = {"JPEG": {"1", "L", "RGB", "CMYK"}, "PNG": {"1", "L", "LA", "P", "RGB", "RGBA", "I;16"}}
if heif_encoder_available():
    SAVE_FORMATS["HEIF"] = {"L", "RGB", "RGBA"}


@st.composite
def photo_files(draw):
    mode = draw(st.sampled_from(MODES))
    format = draw(st.sampled_from([name for name, modes in SAVE_FORMATS.items() if mode in modes]))
    size = (draw(st.integers(1, 48)), draw(st.integers(1, 48)))
    length = len(Image.new(mode, size).tobytes())
    image = Image.frombytes(mode, size, draw(st.binary(min_size=length, max_size=length)))
    params = {}
    if draw(st.booleans()):
        params["exif"] = make_exif(
            orientation=draw(st.integers(0, 9)), offset=draw(st.sampled_from([None, "+08:00", "x"]))
        )
    if format == "HEIF":
        buffer = io.BytesIO()
        pillow_heif.from_pillow(image).save(buffer, **({"exif": params["exif"].tobytes()} if params else {}))
        content = buffer.getvalue()
    else:
        content = encode(image, format, **params)
    damage = draw(st.sampled_from(["none", "truncate", "flip"]))
    if damage == "truncate":
        content = content[: draw(st.integers(0, len(content) - 1))]
    elif damage == "flip":
        position = draw(st.integers(0, len(content) - 1))
        content = content[:position] + bytes([content[position] ^ draw(st.integers(1, 255))]) + content[position + 1 :]
    return content


@hypothesis_settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(content=photo_files())
def test_any_file_is_processed_or_refused_with_photo_error(content):
    try:
        photo = process_photo(content, filename="x.jpg")
    except PhotoError:
        return
    stored = Image.open(io.BytesIO(photo.image_bytes))
    assert stored.size == (photo.width, photo.height)
    assert not stored.getexif()
    thumbnail = Image.open(io.BytesIO(photo.thumbnail_bytes))
    assert thumbnail.format == "JPEG" and max(thumbnail.size) <= 360
