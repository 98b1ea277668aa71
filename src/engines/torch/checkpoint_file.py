"""A module's state_dict as one safetensors file (the layout only, no library):
8 bytes little-endian u64 N, N bytes of UTF-8 JSON header (spaces pad it so the
data starts 8-byte aligned), then every tensor's little-endian C-order bytes,
contiguous, in header order. Tensor names are the state_dict keys; dtypes F32
and I64 (num_batches_tracked). The format is shared with src/engines/checkpoint.ts
(its readCheckpoint validates what this writes). Needs torch and numpy only.

Command line (tests): `python3 checkpoint_file.py MODULE.py CHECKPOINT` loads the
checkpoint into the module's Network with load_state_dict(strict=True) and prints
a JSON summary.
"""
import json
import os
import struct
import sys

import numpy as np
import torch

DTYPES = {torch.float32: ("F32", "<f4"), torch.int64: ("I64", "<i8")}
NUMPY = {"F32": "<f4", "I64": "<i8"}


def encode(state, metadata):
    """The file's bytes for an ordered {name: tensor} and string metadata."""
    header, blobs, offset = {}, [], 0
    for name, tensor in state.items():
        tensor = tensor.detach().to("cpu")
        if tensor.dtype not in DTYPES:
            raise ValueError(f"state_dict entry {name} is {tensor.dtype}; checkpoints hold float32 and int64 only")
        code, np_dtype = DTYPES[tensor.dtype]
        data = np.ascontiguousarray(tensor.numpy(), dtype=np_dtype).tobytes(order="C")
        header[name] = {"dtype": code, "shape": list(tensor.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * ((8 - len(text) % 8) % 8)
    return b"".join([struct.pack("<Q", len(text)), text, *blobs])


def write(path, state, metadata):
    """Writes atomically (temporary file in the same folder, then rename); returns the size."""
    data = encode(state, metadata)
    temporary = f"{path}.{os.getpid()}.tmp"
    with open(temporary, "wb") as f:
        f.write(data)
    os.replace(temporary, path)
    return len(data)


def read(path):
    """(ordered {name: tensor}, metadata) from a file this module or checkpoint.ts wrote."""
    with open(path, "rb") as f:
        blob = f.read()
    (length,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8:8 + length].decode("utf-8"))
    metadata = header.pop("__metadata__", {})
    start = 8 + length
    state = {}
    for name, entry in header.items():
        begin, end = entry["data_offsets"]
        array = np.frombuffer(blob[start + begin:start + end], dtype=NUMPY[entry["dtype"]]).reshape(entry["shape"])
        state[name] = torch.from_numpy(array.copy())
    return state, metadata


def _probe(module_path, checkpoint_path):
    namespace = {"__name__": "blockqnn_network"}
    with open(module_path, encoding="utf-8") as f:
        exec(compile(f.read(), module_path, "exec"), namespace)
    model = namespace["Network"]()
    state, metadata = read(checkpoint_path)
    model.load_state_dict(state, strict=True)
    model.eval()
    params = sum(p.numel() for p in model.parameters())
    return {"params": params, "metadata": metadata, "tensors": len(state),
            "finite": all(bool(torch.isfinite(t.float()).all()) for t in state.values())}


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: python3 checkpoint_file.py MODULE.py CHECKPOINT.safetensors")
    print(json.dumps(_probe(sys.argv[1], sys.argv[2])))
