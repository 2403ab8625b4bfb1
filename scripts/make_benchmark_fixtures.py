"""Reference data for Tests/BenchmarksTests (run with $SOFTNEG_PYTHON or ./venv/bin/python, see
scripts/venv; Pillow 13.0.0).

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


READERS = os.path.join(HERE, "..", "Tests", "BenchmarksTests", "Fixtures", "readers")


def small_image(w, h, seed):
    """A deterministic picture with structure (gradients and a bar) so resizing is non-trivial."""
    im = Image.new("RGB", (w, h))
    px = []
    for y in range(h):
        for x in range(w):
            r = (x * 255 // max(1, w - 1) + seed * 37) % 256
            g = (y * 255 // max(1, h - 1) + seed * 91) % 256
            b = 230 if (x + 2 * seed) % 7 < 2 else 40
            px.append((r, g, b))
    im.putdata(px)
    return im


def save(im, path, **kw):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    im.save(path, **kw)


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write(text)


def readers():
    """Tiny datasets in each published format, and what PIL makes of some of their images."""
    import json
    R = READERS
    # Winoground: examples.jsonl + images/<name>.png
    for i in range(2):
        for k in range(2):
            save(small_image(8, 8, 2 * i + k), f"{R}/winoground/images/ex_{i}_img_{k}.png")
    rows = [
        {"id": 0, "caption_0": "an old person kisses a young person", "caption_1": "a young person kisses an old person",
         "tag": "Object", "secondary_tag": "Symbolic", "num_main_preds": 1, "collapsed_tag": "Object",
         "image_0": "ex_0_img_0", "image_1": "ex_0_img_1"},
        {"id": 1, "caption_0": "the dog is on the left of the cat", "caption_1": "the cat is on the left of the dog",
         "tag": "Relation", "secondary_tag": "", "num_main_preds": 1, "collapsed_tag": "Relation",
         "image_0": "ex_1_img_0", "image_1": "ex_1_img_1"},
    ]
    write(f"{R}/winoground/examples.jsonl", "".join(json.dumps(r) + "\n" for r in rows))

    # ImageCoDe: valid_data.json + image-sets/<set>/img0..9.jpg
    for set_name, seed in [("open-images-1", 0), ("video-storytelling-2", 10)]:
        for k in range(10):
            save(small_image(20, 14, seed + k), f"{R}/imagecode/image-sets/{set_name}/img{k}.jpg", quality=90)
    write(f"{R}/imagecode/valid_data.json", json.dumps({
        "open-images-1": {"3": "the bar is furthest to the right"},
        "video-storytelling-2": {"0": "darkest top row", "7": "bar touches the left edge"},
    }, indent=1))
    # PIL's decode + LANCZOS stretch of one ImageCoDe JPEG to 16x16 (the model resolution).
    im = Image.open(f"{R}/imagecode/image-sets/open-images-1/img3.jpg").convert("RGB").resize((16, 16), Image.LANCZOS)
    with open(f"{R}/imagecode_img3_pil_16x16.rgb", "wb") as f:
        f.write(im.tobytes())

    # ARO VG-Relation / VG-Attribution: json list + images/, cropped to the box.
    save(small_image(40, 30, 3), f"{R}/aro/images/2350126.jpg", quality=92)
    save(small_image(24, 24, 5), f"{R}/aro/images/2407871.jpg", quality=92)
    write(f"{R}/aro/visual_genome_relation.json", json.dumps([
        {"image_id": "2350126", "relation_name": "on", "bbox_x": 4, "bbox_y": 3.5, "bbox_w": 27, "bbox_h": 20,
         "image_path": "2350126.jpg", "true_caption": "the cup is on the table", "false_caption": "the table is on the cup"},
        {"image_id": "2407871", "relation_name": "sitting on", "bbox_x": 0, "bbox_y": 0, "bbox_w": 24, "bbox_h": 24,
         "image_path": "2407871.jpg", "true_caption": "the man is sitting on the bench",
         "false_caption": "the bench is sitting on the man"},
    ]))
    write(f"{R}/aro/visual_genome_attribution.json", json.dumps([
        {"image_id": "2350126", "attributes": ["white", "wooden"], "bbox_x": 2, "bbox_y": 2, "bbox_w": 30, "bbox_h": 25,
         "image_path": "2350126.jpg", "true_caption": "the white cup and the wooden table",
         "false_caption": "the wooden cup and the white table"},
    ]))
    # ARO's preprocessing of entry 0: crop to (x, y, x+w, y+h) (PIL rounds the corners), then the model's resize.
    im = Image.open(f"{R}/aro/images/2350126.jpg").convert("RGB")
    im = im.crop((4, 3.5, 4 + 27, 3.5 + 20)).resize((16, 16), Image.LANCZOS)
    with open(f"{R}/aro_relation0_pil_16x16.rgb", "wb") as f:
        f.write(im.tobytes())

    # COCO-Order / retrieval: Karpathy json with images under val2014/.
    save(small_image(12, 10, 7), f"{R}/karpathy/val2014/COCO_val2014_000000391895.jpg", quality=90)
    save(small_image(12, 10, 8), f"{R}/karpathy/val2014/COCO_val2014_000000522418.jpg", quality=90)
    write(f"{R}/karpathy/coco_karpathy_test.json", json.dumps([
        {"image": "val2014/COCO_val2014_000000391895.jpg", "image_id": "391895",
         "caption": ["A man with a red helmet on a small moped on a dirt road. ", "Man riding a motor bike on a dirt road on the countryside."]},
        {"image": "val2014/COCO_val2014_000000522418.jpg", "image_id": "522418",
         "caption": ["A woman wearing a net on her head cutting a cake. "]},
    ]))

    # COCO captions json.
    write(f"{R}/karpathy/captions_val2014.json", json.dumps({
        "info": {}, "licenses": [],
        "images": [{"id": 391895, "file_name": "COCO_val2014_000000391895.jpg", "width": 12, "height": 10},
                   {"id": 522418, "file_name": "COCO_val2014_000000522418.jpg", "width": 12, "height": 10}],
        "annotations": [{"id": 1, "image_id": 522418, "caption": "A woman cutting a large white sheet cake."},
                        {"id": 2, "image_id": 391895, "caption": "A man riding a moped."},
                        {"id": 3, "image_id": 522418, "caption": "A woman wearing a hair net cutting a cake."}],
    }))

    # NegCLIP TSV as pandas' to_csv(sep="\t") writes it: the csv module's minimal quoting
    # (pandas' own writer), an unnamed index column first.
    import csv
    rows = [
        ("A child holding a flowered umbrella.", "coco/val2014/COCO_val2014_000000391895.jpg",
         ["A umbrella holding a flowered child .", "A flowered child holding a umbrella ."], [1, 2]),
        ("A white truck filled with motorcycle on it's flatbed.", "coco/val2014/COCO_val2014_000000522418.jpg",
         ["A white motorcycle filled with truck on it 's flatbed ."], [0]),
        ("Two cats sitting on top of a pair of shoes.", "coco/val2014/COCO_val2014_000000391895.jpg",
         ["Two shoes sitting on top of a pair of cats .", 'say "cats"'], [0, 1]),
    ]
    os.makedirs(f"{R}/negclip", exist_ok=True)
    with open(f"{R}/negclip/train_neg_clip.tsv", "w", newline="") as f:
        w = csv.writer(f, delimiter="\t", quoting=csv.QUOTE_MINIMAL, lineterminator="\n")
        w.writerow(["", "title", "filepath", "neg_caption", "neg_image"])
        for i, (title, path, negs, ims) in enumerate(rows):
            w.writerow([i, title, path, str(negs), str(ims)])
    save(small_image(12, 10, 7), f"{R}/negclip/coco/val2014/COCO_val2014_000000391895.jpg", quality=90)
    save(small_image(12, 10, 8), f"{R}/negclip/coco/val2014/COCO_val2014_000000522418.jpg", quality=90)


def main():
    readers()
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
