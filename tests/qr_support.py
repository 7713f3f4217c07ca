"""Helpers for QR tests: decode images with zxing-cpp, fake a phone photo of a printed code."""

import io
import random

import cairosvg
import zxingcpp
from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageOps


def decode_png(data: bytes) -> list[str]:
    """Return the texts of the QR codes zxing-cpp reads in a PNG/JPEG image."""
    image = Image.open(io.BytesIO(data)).convert("L")
    return [r.text for r in zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)]


def decode_svg(data: bytes) -> list[str]:
    """Render an SVG with cairosvg, then decode it like a PNG."""
    return decode_png(cairosvg.svg2png(bytestring=data, output_width=400, output_height=400))


def phone_photo(qr_png: bytes, *, seed: int = 7, fmt: str = "JPEG") -> bytes:
    """Return a photo-like picture of a printed QR code: on paper with text, on a desk,
    seen at an angle (perspective), slightly rotated, blurred, unevenly lit, noisy, JPEG."""
    rng = random.Random(seed)
    code = Image.open(io.BytesIO(qr_png)).convert("L").resize((300, 300), Image.Resampling.NEAREST)
    paper = Image.new("L", (620, 820), 238)
    draw = ImageDraw.Draw(paper)
    for y in range(60, 400, 28):  # lines of "text" above the code
        draw.rectangle((60, y, 60 + rng.randint(250, 500), y + 9), fill=rng.randint(70, 110))
    paper.paste(code, (160, 450))
    desk = Image.new("L", (1000, 1100), 95)
    desk.paste(paper, (190, 140))
    # Perspective: the phone is held lower than the paper's centre and a little to the side.
    width, height = desk.size
    coeffs = _perspective_coeffs(
        [(0, 0), (width, 0), (width, height), (0, height)],
        [(60, 30), (width - 20, 70), (width - 90, height - 10), (20, height - 60)])
    photo = desk.transform(desk.size, Image.Transform.PERSPECTIVE, coeffs,
                           Image.Resampling.BICUBIC, fillcolor=80)
    photo = photo.rotate(rng.uniform(8, 14), resample=Image.Resampling.BICUBIC, expand=True,
                         fillcolor=80)
    photo = photo.filter(ImageFilter.GaussianBlur(1.1))
    # Uneven light: darker towards one corner.
    shade = ImageOps.invert(Image.linear_gradient("L")).resize(photo.size).rotate(35)
    photo = Image.blend(photo, ImageChops.multiply(photo, shade), 0.35)
    noise = Image.effect_noise(photo.size, 22)
    photo = Image.blend(photo, noise, 0.12)
    out = io.BytesIO()
    photo.convert("RGB").save(out, format=fmt, quality=72)
    return out.getvalue()


def _perspective_coeffs(dst: list[tuple[int, int]], src: list[tuple[int, int]]) -> list[float]:
    """Return PIL perspective coefficients that map output corners `dst` to input `src`."""
    rows: list[list[float]] = []
    for (x, y), (u, v) in zip(dst, src, strict=True):
        rows.append([x, y, 1, 0, 0, 0, -u * x, -u * y, u])
        rows.append([0, 0, 0, x, y, 1, -v * x, -v * y, v])
    n = 8  # Gauss-Jordan elimination with partial pivoting on the augmented 8x9 matrix
    for col in range(n):
        pivot = max(range(col, n), key=lambda r: abs(rows[r][col]))
        rows[col], rows[pivot] = rows[pivot], rows[col]
        for r in range(n):
            if r != col:
                factor = rows[r][col] / rows[col][col]
                rows[r] = [a - factor * b for a, b in zip(rows[r], rows[col], strict=True)]
    return [rows[i][n] / rows[i][i] for i in range(n)]
