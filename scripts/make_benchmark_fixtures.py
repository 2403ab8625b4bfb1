"""Reference data for Tests/BenchmarksTests (run with /work/venv/bin/python; Pillow 13.0.0).

Writes Tests/BenchmarksTests/Fixtures/lanczos/: a small RGB test image with smooth gradients,
hard edges and noise, and PIL's `Image.resize((w, h), Image.LANCZOS)` of it at several sizes
(downscale, upscale, stretch), all as raw interleaved RGB bytes (`<name>_<w>x<h>.rgb`) so the
Swift test needs no image decoder. Deterministic: the noise comes from a fixed-seed LCG.
"""
import os
import PIL
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "Tests", "BenchmarksTests", "Fixtures", "lanczos")


def test_image(w, h):
    state = 12345
    px = []
    for y in range(h):
        for x in range(w):
            state = (state * 1103515245 + 12345) % (1 << 31)
            noise = (state >> 16) % 41 - 20
            r = int(255 * x / (w - 1))
            g = 255 if (x // 5 + y // 4) % 2 == 0 else 0      # checkerboard: hard edges, ringing
            b = max(0, min(255, int(128 + 100 * ((y - h / 2) / h)) + noise))
            if (x - 10) ** 2 + (y - 12) ** 2 < 36:             # a disc with a sharp rim
                r, g, b = 250, 20, 40
            px.append((r, g, b))
    im = Image.new("RGB", (w, h))
    im.putdata(px)
    return im


def main():
    os.makedirs(OUT, exist_ok=True)
    src = test_image(37, 29)
    with open(os.path.join(OUT, "source_37x29.rgb"), "wb") as f:
        f.write(src.tobytes())
    for (w, h) in [(16, 16), (64, 48), (32, 32), (37, 12), (9, 29)]:
        out = src.resize((w, h), Image.LANCZOS)
        with open(os.path.join(OUT, f"pil_{w}x{h}.rgb"), "wb") as f:
            f.write(out.tobytes())
    print("Pillow", PIL.__version__, "->", OUT)


if __name__ == "__main__":
    main()
