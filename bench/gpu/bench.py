"""The GPU check behind bench/gpu.sh: trains a CIFAR-size BlockQNN network with the
torch engine's trainer (src/engines/torch/trainer.py, driven over its JSON-lines
protocol exactly as the worker drives it) and with the plain hand-written loop
(src/engines/torch/plain_loop.py) on the same generated module
(bench/gpu/blockqnn_net.py) and data, then prints images/s of each, their ratio
and the peak GPU memory. Needs python3 with torch and numpy; no Node, no Redis.

Data: CIFAR-10's binary batches when found (--cifar DIR, $BLOCKQNN_CIFAR10_DIR,
./cifar-10-batches-bin), else synthetic 32x32x3 images with learnable class
patterns (said so in the output). 45,000 training and 5,000 validation images.
Rates are over the epochs after the first (the first pays cudnn autotuning).
--small is a CPU-sized smoke run. --packing runs the slot-packing benchmark instead (packing.py).
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
TRAINER = os.path.join(ROOT, "src", "engines", "torch", "trainer.py")
PLAIN = os.path.join(ROOT, "src", "engines", "torch", "plain_loop.py")
NETWORK = os.path.join(HERE, "blockqnn_net.py")


def find_cifar(given):
    for d in [given, os.environ.get("BLOCKQNN_CIFAR10_DIR"), "cifar-10-batches-bin"]:
        if not d:
            continue
        for candidate in (d, os.path.join(d, "cifar-10-batches-bin")):
            if all(os.path.isfile(os.path.join(candidate, f"data_batch_{i}.bin")) for i in range(1, 6)):
                return candidate
    return None


def load_cifar(directory):
    records = np.concatenate([np.fromfile(os.path.join(directory, f"data_batch_{i}.bin"), dtype=np.uint8).reshape(-1, 3073) for i in range(1, 6)])
    labels = records[:, 0].copy()
    images = records[:, 1:].reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1).copy()  # planar RGB → HWC
    return images, labels


def synthetic(count, seed=0):
    """Class k: a fixed random pattern plus noise, so a network can learn it (accuracy is then meaningful)."""
    rng = np.random.default_rng(seed)
    patterns = rng.integers(0, 256, size=(10, 32, 32, 3)).astype(np.float32)
    labels = rng.integers(0, 10, size=count).astype(np.uint8)
    images = np.empty((count, 32, 32, 3), dtype=np.uint8)
    for start in range(0, count, 5000):
        part = labels[start:start + 5000]
        noise = rng.normal(0, 64, size=(len(part), 32, 32, 3)).astype(np.float32)
        images[start:start + 5000] = np.clip(0.5 * patterns[part] + 64 + noise, 0, 255).astype(np.uint8)
    return images, labels


def write_cache(path, name, splits):
    """A decoded-dataset cache file (src/datasets/README.md) the trainer reads as it reads the worker's."""
    ordered = []
    for split, (images, labels) in splits.items():
        ordered += [(f"{split}_images", images), (f"{split}_labels", labels)]
    ordered += [("test_images", np.zeros((0, 32, 32, 3), np.uint8)), ("test_labels", np.zeros(0, np.uint8))]
    ordered += [(f"{split}_indices", np.arange(len(labels), dtype="<u4")) for split, (_, labels) in splits.items()]
    header = {"format": "blockqnn-dataset-cache", "version": 1, "key": name, "name": name, "classes": [str(i) for i in range(10)],
              "shape": [32, 32, 3], "pixels": "float = byte / 255", "arrays": {}}
    previous = None
    while previous != header["arrays"]:  # offsets depend on the header's length, which depends on the offsets
        previous = json.loads(json.dumps(header["arrays"]))
        offset = (12 + len(json.dumps(header).encode()) + 63) // 64 * 64
        for key, a in ordered:
            header["arrays"][key] = {"dtype": a.dtype.str, "shape": list(a.shape), "offset": offset, "nbytes": a.nbytes}
            offset = (offset + a.nbytes + 63) // 64 * 64
    text = json.dumps(header).encode()
    with open(path, "wb") as f:
        f.write(b"BQNNDS01" + len(text).to_bytes(4, "little") + text)
        for key, a in ordered:
            f.seek(header["arrays"][key]["offset"])
            f.write(np.ascontiguousarray(a).tobytes())


def steady(records, images):
    rest = records[1:] if len(records) > 1 else records
    return images * len(rest) / max(sum(r["seconds"] for r in rest), 1e-9)


def run_trainer(cache, recipe, env, label):
    """One job through the trainer's protocol, in a fresh trainer process; returns (ready, progress records, result)."""
    proc = subprocess.Popen([sys.executable, "-B", "-u", TRAINER], stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env, text=True)
    ready = json.loads(proc.stdout.readline())
    if ready.get("type") != "ready":
        raise SystemExit(f"trainer did not start: {ready}")
    sys.path.insert(0, HERE)
    import blockqnn_net  # noqa: E402 - for its declared parameter count only
    proc.stdin.write(json.dumps({"type": "train", "id": "gpu-bench", "module": {"path": NETWORK}, "className": "Network",
                                 "expectedParams": blockqnn_net.Network.PARAMETERS, "seed": 1, "recipe": recipe,
                                 "dataset": {"path": cache, "key": "bench"}}) + "\n")
    proc.stdin.flush()
    progress = []
    for line in proc.stdout:
        message = json.loads(line)
        if message["type"] == "progress":
            progress.append(message)
            print(f"  {label} epoch {message['epoch']}/{message['epochs']}: {message['imagesPerSecond']:.0f} images/s, "
                  f"loss {message['loss']:.3f}, validation accuracy {message['valAccuracy']:.3f}", flush=True)
        elif message["type"] in ("result", "error"):
            proc.stdin.write(json.dumps({"type": "shutdown"}) + "\n")
            proc.stdin.close()
            proc.wait(timeout=60)
            if message["type"] == "error" or message["status"] != "ok":
                raise SystemExit(f"trainer: {message}")
            return ready, progress, message
    raise SystemExit(f"trainer exited with code {proc.wait()} before a result")


def main():
    if "--packing" in sys.argv[1:]:
        import packing  # noqa: E402 - the other mode of bench/gpu.sh
        return packing.main(sys.argv[1:])
    parser = argparse.ArgumentParser(description="torch engine vs plain PyTorch loop on a CIFAR-size BlockQNN network")
    parser.add_argument("--small", action="store_true", help="CPU smoke run: 128 training images, batch 32")
    parser.add_argument("--images", type=int, help="training images (default 45000, --small 128)")
    parser.add_argument("--epochs", type=int, default=2, help="epochs per run; rates count epochs 2+ (default 2)")
    parser.add_argument("--batch-size", type=int, help="batch size (default 128, --small 32)")
    parser.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto")
    parser.add_argument("--cifar", help="directory of CIFAR-10's binary batches")
    parser.add_argument("--no-extra", action="store_true", help="skip the extra epoch with pinned-memory batches and crop-flip")
    parser.add_argument("--json", action="store_true", help="print only the JSON summary")
    args = parser.parse_args()
    args.images = args.images or (128 if args.small else 45000)
    args.batch_size = args.batch_size or (32 if args.small else 128)
    validation = max(16, args.images // 9)
    started = time.perf_counter()

    import torch
    cuda = args.device == "cuda" or (args.device == "auto" and torch.cuda.is_available())
    device_name = torch.cuda.get_device_name(0) if cuda else f"cpu ({os.cpu_count()} cores)"
    cifar = find_cifar(args.cifar)
    if cifar:
        images, labels = load_cifar(cifar)
        source = f"CIFAR-10 from {cifar}"
    else:
        images, labels = synthetic(args.images + validation)
        source = "SYNTHETIC 32x32x3 images with learnable class patterns (no CIFAR-10 found: pass --cifar DIR for real data)"
    train = (images[:args.images], labels[:args.images])
    val = (images[-validation:], labels[-validation:])
    print(f"GPU check: {source}; {len(train[1])} training / {len(val[1])} validation images, {args.epochs} epochs, batch {args.batch_size}")
    print(f"device: {device_name}; python {sys.version.split()[0]} ({sys.executable}), torch {torch.__version__}, numpy {np.__version__}", flush=True)

    env = {**os.environ, "BLOCKQNN_TORCH_DEVICE": "cuda" if cuda else "cpu"}
    with tempfile.TemporaryDirectory(prefix="blockqnn-gpu-bench-") as tmp:
        cache = os.path.join(tmp, "bench.bqds")
        write_cache(cache, "bench", {"train": train, "validation": val})
        recipe = {"epochs": args.epochs, "batchSize": args.batch_size, "optimizer": "adam", "learningRate": 1e-3,
                  "lrDecay": {"factor": 0.2, "every": 5}, "momentum": 0.9, "weightDecay": 0, "augmentation": "none"}
        ready, progress, result = run_trainer(cache, recipe, env, "engine")
        engine_rate = steady(progress, len(train[1]))
        print("  plain loop ...", flush=True)
        plain_out = subprocess.run([sys.executable, "-B", PLAIN, "--module", NETWORK, "--dataset", cache, "--epochs", str(args.epochs),
                                    "--batch-size", str(args.batch_size), "--device", "cuda" if cuda else "cpu"],
                                   env=env, check=True, capture_output=True, text=True)
        plain = json.loads(plain_out.stdout.strip().splitlines()[-1])
        # The other data path and the augmentation kernels, one epoch: the worker trains CIFAR with crop-flip.
        streamed = None
        if not args.no_extra:
            _, extra_progress, _ = run_trainer(cache, {**recipe, "epochs": 1, "augmentation": "crop-flip"},
                                               {**env, "BLOCKQNN_TORCH_DATA": "pinned"}, "engine, pinned batches + crop-flip")
            streamed = extra_progress[0]["imagesPerSecond"]
    mib = lambda b: None if b is None else round(b / 2**20, 1)  # noqa: E731
    memory = lambda b: "n/a on cpu" if b is None else f"{mib(b)} MiB"  # noqa: E731
    summary = {
        "torchImagesPerSecond": engine_rate, "plainTorchImagesPerSecond": plain["imagesPerSecond"],
        "torchVsPlain": engine_rate / plain["imagesPerSecond"],
        "enginePeakGpuMemoryMiB": mib(result.get("peakMemoryBytes")), "plainPeakGpuMemoryMiB": mib(plain["peakMemoryBytes"]),
        "engineValAccuracy": result["accuracy"], "enginePinnedCropFlipImagesPerSecond": streamed, "engineDevice": ready["deviceDescription"], "data": source,
        "images": len(train[1]), "epochs": args.epochs, "batchSize": args.batch_size, "params": result["params"],
        "torch": torch.__version__, "python": sys.version.split()[0], "seconds": round(time.perf_counter() - started, 1),
    }
    if not args.json:
        print(f"torch engine trainer  {engine_rate:10.1f} images/s   ({ready['deviceDescription']}; peak GPU memory {memory(result.get('peakMemoryBytes'))})")
        print(f"plain PyTorch loop    {plain['imagesPerSecond']:10.1f} images/s   (peak GPU memory {memory(plain['peakMemoryBytes'])})")
        print(f"engine / plain        {summary['torchVsPlain']:10.3f}              (target >= 0.9)")
        if streamed is not None:
            print(f"engine, pinned + crop-flip {streamed:5.1f} images/s   (1 epoch, first epoch: includes warm-up)")
        print(f"total {summary['seconds']} s")
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
