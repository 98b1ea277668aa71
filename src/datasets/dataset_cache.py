"""Reader for blockqnn's decoded-dataset cache files (*.bqds), for the Python side
(the torch engine). Layout (README.md beside this file has the full description):

    offset 0   8 bytes  b"BQNNDS01"
    offset 8   4 bytes  L, uint32 little-endian
    offset 12  L bytes  header JSON (UTF-8); header["arrays"][name] =
                        {"dtype": numpy type string, "shape": [...], "offset": bytes, "nbytes": bytes}
    arrays at their absolute offsets, C order.

Images are uint8, N x H x W x C (channels-last); float pixel = byte / 255.
For PyTorch: torch.from_numpy(images).permute(0, 3, 1, 2).float().div_(255).

Command line: `python3 dataset_cache.py FILE` prints a JSON summary (the tests use it).
Needs only numpy.
"""
import json
import sys

import numpy as np

MAGIC = b"BQNNDS01"
FORMAT = "blockqnn-dataset-cache"
VERSION = 1


def read_header(path):
    """The header dict; raises ValueError if the file is not a cache file of this version."""
    with open(path, "rb") as f:
        preamble = f.read(12)
        if len(preamble) < 12 or preamble[:8] != MAGIC:
            raise ValueError(f"{path}: not a blockqnn dataset cache file (wrong magic)")
        length = int.from_bytes(preamble[8:12], "little")
        header = json.loads(f.read(length).decode("utf-8"))
    if header.get("format") != FORMAT or header.get("version") != VERSION:
        raise ValueError(f"{path}: cache format {header.get('format')} v{header.get('version')}, expected {FORMAT} v{VERSION}")
    return header


def load(path, mmap=False):
    """(header, arrays): arrays maps train_images, train_labels, validation_images,
    validation_labels, test_images, test_labels, train_indices, validation_indices
    to numpy arrays. mmap=True maps the file read-only instead of reading it."""
    header = read_header(path)
    arrays = {}
    for name, info in header["arrays"].items():
        shape = tuple(info["shape"])
        if mmap:
            arrays[name] = np.memmap(path, dtype=info["dtype"], mode="r", offset=info["offset"], shape=shape)
        else:
            count = int(np.prod(shape, dtype=np.int64))
            arrays[name] = np.fromfile(path, dtype=info["dtype"], count=count, offset=info["offset"]).reshape(shape)
    return header, arrays


def _summary(path):
    header, arrays = load(path)
    mapped = load(path, mmap=True)[1]
    return {
        "name": header["name"],
        "shape": header["shape"],
        "classes": header["classes"],
        "arrays": {
            name: {
                "dtype": str(a.dtype),
                "shape": list(a.shape),
                "sum": int(a.sum(dtype=np.uint64)),
                "first": int(a.reshape(-1)[0]) if a.size else None,
                "mmapEqual": bool(np.array_equal(a, mapped[name])),
            }
            for name, a in arrays.items()
        },
    }


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python3 dataset_cache.py FILE.bqds")
    print(json.dumps(_summary(sys.argv[1])))
