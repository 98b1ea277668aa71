"""A plain, hand-written PyTorch training loop over a generated BlockQNN module:
the baseline that `blockqnn bench engines` and bench/gpu.sh hold the torch
engine's trainer against. It is what a competent user would write in a few
minutes: the whole dataset as float NCHW tensors on the device, a torch.randperm
per epoch, Adam, no augmentation, no validation, no per-step synchronisation;
on CUDA the same bf16 autocast, channels_last and cudnn.benchmark the engine uses,
so the comparison measures the engine's overhead, not a precision difference.

    python3 plain_loop.py --module NET.py --dataset FILE.bqds [--epochs 2] [--batch-size 128]
                          [--learning-rate 1e-3] [--seed 1] [--device auto|cpu|cuda] [--subset N]

Prints one JSON line: imagesPerSecond (epochs after the first when there are
several: the first pays cudnn autotuning and allocator warm-up), per-epoch
seconds, peak GPU memory. Needs torch and numpy.
"""
import argparse
import contextlib
import importlib.util
import json
import os
import sys
import time

sys.path.insert(0, os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "datasets")))

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

import dataset_cache  # noqa: E402


def load_class(path, name="Network"):
    spec = importlib.util.spec_from_file_location("blockqnn_plain_network", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return getattr(module, name)


def steady_rate(epochs):
    """Images per second over the epochs after the first (all of them when there is one)."""
    steady = epochs[1:] if len(epochs) > 1 else epochs
    return sum(e["images"] for e in steady) / max(sum(e["seconds"] for e in steady), 1e-9)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--module", required=True)
    parser.add_argument("--dataset", required=True)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--learning-rate", type=float, default=1e-3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto")
    parser.add_argument("--subset", type=int, default=0, help="train on the first N images only (0: all)")
    args = parser.parse_args(argv)

    threads = os.environ.get("BLOCKQNN_TORCH_THREADS")
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    torch.set_num_threads(int(threads) if threads else cores)
    cuda = args.device == "cuda" or (args.device == "auto" and torch.cuda.is_available())
    device = torch.device("cuda" if cuda else "cpu")
    memory_format = torch.channels_last if cuda else torch.contiguous_format
    if cuda:
        torch.backends.cudnn.benchmark = True
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True
    bf16 = cuda and torch.cuda.is_bf16_supported()

    _, arrays = dataset_cache.load(args.dataset)
    images, labels = arrays["train_images"], arrays["train_labels"]
    if args.subset:
        images, labels = images[: args.subset], labels[: args.subset]
    x = torch.from_numpy(np.ascontiguousarray(images)).to(device).permute(0, 3, 1, 2).float().div_(255)
    x = x.contiguous(memory_format=memory_format)
    y = torch.from_numpy(np.ascontiguousarray(labels)).long().to(device)

    torch.manual_seed(args.seed)
    model = load_class(args.module)().to(device, memory_format=memory_format)
    model.train()
    optimizer = torch.optim.Adam(model.parameters(), lr=args.learning_rate)
    if cuda:
        torch.cuda.reset_peak_memory_stats(device)

    epochs = []
    n = x.shape[0]
    for _ in range(args.epochs):
        started = time.perf_counter()
        perm = torch.randperm(n, device=device)
        total = torch.zeros((), device=device)
        for start in range(0, n, args.batch_size):
            idx = perm[start:start + args.batch_size]
            with torch.autocast(device_type="cuda", dtype=torch.bfloat16) if bf16 else contextlib.nullcontext():
                logits = model(x[idx].contiguous(memory_format=memory_format))
            loss = F.cross_entropy(logits.float(), y[idx])
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            total += loss.detach()
        mean_loss = total.item() / max(1, (n + args.batch_size - 1) // args.batch_size)
        epochs.append({"seconds": time.perf_counter() - started, "images": n, "loss": mean_loss})

    print(json.dumps({
        "imagesPerSecond": steady_rate(epochs),
        "epochs": epochs,
        "device": str(device),
        "bf16": bf16,
        "threads": torch.get_num_threads(),
        "torch": torch.__version__,
        "peakMemoryBytes": torch.cuda.max_memory_allocated(device) if cuda else None,
    }))


if __name__ == "__main__":
    main()
