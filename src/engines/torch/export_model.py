"""Export helper: loads a generated module (codegen.ts), optionally a checkpoint
(the safetensors layout of src/engines/checkpoint.ts, read here without any
library), and writes what blockqnn export asks for: a torch.save'd state_dict
and/or an ONNX file (torch.onnx.export, dynamic batch axis). Only torch is needed.

stdin: {"module": "net.py", "checkpoint": "w.safetensors" | null, "stateDict": "out.pt" | null,
        "onnx": {"path": "model.onnx", "opset": 13} | null, "seed": 0,
        "probe": [[NCHW floats of one batch], ...] | null}
stdout (last line): {"params": int, "torch": version, "outputs": [[floats], ...] (for "probe")}
Without a checkpoint the module keeps PyTorch's default initialisation, seeded.
"""
import json
import struct
import sys

import torch

DTYPES = {"F32": torch.float32, "I64": torch.int64}


def read_checkpoint(path):
    with open(path, "rb") as f:
        blob = f.read()
    (length,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8:8 + length].decode("utf-8"))
    header.pop("__metadata__", None)
    start = 8 + length
    state = {}
    for name, entry in header.items():
        begin, end = entry["data_offsets"]
        dtype = DTYPES[entry["dtype"]]
        raw = bytearray(blob[start + begin:start + end])
        tensor = torch.frombuffer(raw, dtype=dtype) if raw else torch.empty(0, dtype=dtype)
        state[name] = tensor.reshape(entry["shape"]).clone()
    return state


def main():
    request = json.load(sys.stdin)
    namespace = {"__name__": "blockqnn_export"}
    with open(request["module"], encoding="utf-8") as f:
        exec(compile(f.read(), request["module"], "exec"), namespace)
    network_class = namespace["Network"]
    torch.manual_seed(int(request.get("seed") or 0))
    model = network_class()
    if request.get("checkpoint"):
        model.load_state_dict(read_checkpoint(request["checkpoint"]), strict=True)
    model.eval()
    if request.get("stateDict"):
        torch.save(model.state_dict(), request["stateDict"])
    h, w, c = network_class.INPUT_SHAPE
    onnx = request.get("onnx")
    if onnx:
        example = torch.rand(2, c, h, w, generator=torch.Generator().manual_seed(0))
        torch.onnx.export(
            model, (example,), onnx["path"], opset_version=int(onnx.get("opset", 13)), input_names=["input"], output_names=["output"],
            dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}}, do_constant_folding=True,
        )
    outputs = []
    with torch.no_grad():
        for batch in request.get("probe") or []:
            x = torch.tensor(batch, dtype=torch.float32).reshape(-1, c, h, w)
            outputs.append(model(x).reshape(-1).tolist())
    print(json.dumps({"params": sum(p.numel() for p in model.parameters()), "torch": torch.__version__, "outputs": outputs}))


if __name__ == "__main__":
    main()
