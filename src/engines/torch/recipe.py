"""The BlockQNN early-stop recipe in PyTorch, the same as the tfjs engine's
(src/engines/tfjs/train.ts, src/engines/batches.ts, learningRateAt in src/task/task.ts):

- epoch e trains on the permutation epoch_order(n, seed, e): Fisher-Yates driven by
  mulberry32((seed * 1000003 + e) mod 2^32), drawn from the last index down;
- augmentation draws from ONE mulberry32(seed) stream over the whole run, per image
  in batch order: dy = u % 9 - 4, dx = u % 9 - 4, and for crop-flip flip = u & 1;
  the image is shifted by (dy, dx) with zeros outside, mirrored first when flipped;
- pixels are float32(byte * (1/255)) (the double product rounded, as JS does);
- Adam (eps 1e-7, tfjs's default) or SGD with Nesterov momentum (tfjs's momentum
  optimizer with useNesterov), the learning rate set per epoch by learning_rate_at
  (step: rate * factor^floor(e / every); cosine: rate * (1 + cos(pi e / epochs)) / 2);
- weight decay as a coupled L2 term on every parameter (PyTorch's weight_decay; the
  tfjs engine adds the same gradient);
- mean softmax cross-entropy; a non-finite loss stops training as "diverged";
- accuracy on the evaluation split (validation, or test for a final training) after
  every epoch, in order, in batches of
  max(batch size, 256);
- after every epoch but the last, `should_continue(record)` may stop the training
  (status "pruned": the job's pruner decided, src/controller/pruners).
Only the training time counts in images per second (evaluation is timed apart).

Needs torch and numpy. CUDA: bf16 autocast where supported, channels_last,
cudnn.benchmark, TF32; the uint8 dataset resident on the GPU when it takes under
an eighth of the free memory divided by the slots sharing the GPU
(BLOCKQNN_TORCH_SLOTS_PER_GPU), else pinned-memory batches copied asynchronously
(BLOCKQNN_TORCH_DATA=device|pinned forces either). CPU: the threads set by the caller.
"""
import contextlib
import math
import os
import time

import numpy as np
import torch
import torch.nn.functional as F

CROP_PADDING = 4
MASK32 = 0xFFFFFFFF
GOLDEN = 0x6D2B79F5
EVAL_BATCH = 256
# On CUDA, reading the loss every step would stall the GPU pipeline; losses are
# checked every few steps and divergence is still reported at the exact step.
CUDA_CHECK_EVERY = 16


class Cancelled(Exception):
    """Raised inside training when the caller cancels the job."""


def _mix(a):
    """mulberry32's output function on a uint32 array (numpy wraps uint32 arithmetic like Math.imul)."""
    with np.errstate(over="ignore"):
        t = a
        t = (t ^ (t >> np.uint32(15))) * (t | np.uint32(1))
        t = t ^ (t + (t ^ (t >> np.uint32(7))) * (t | np.uint32(61)))
        return t ^ (t >> np.uint32(14))


class Mulberry32:
    """src/datasets/prng.ts's mulberry32. Its state only advances by a constant, so the
    k-th draw depends on seed + k * 0x6D2B79F5 alone and blocks of draws vectorise."""

    def __init__(self, seed):
        self.state = int(seed) & MASK32

    def take(self, n):
        k = np.arange(1, n + 1, dtype=np.uint64)
        a = ((np.uint64(self.state) + k * np.uint64(GOLDEN)) & np.uint64(MASK32)).astype(np.uint32)
        self.state = (self.state + n * GOLDEN) & MASK32
        return _mix(a)


def epoch_order(count, seed, epoch):
    """src/engines/batches.ts's epochOrder: the training images' order in an epoch."""
    order = list(range(count))
    if count < 2:
        return np.asarray(order, dtype=np.int64)
    draws = Mulberry32((int(seed) * 1000003 + int(epoch)) & MASK32).take(count - 1).astype(np.uint64)
    js = ((draws * np.arange(count, 1, -1, dtype=np.uint64)) >> np.uint64(32)).tolist()
    for i, j in zip(range(count - 1, 0, -1), js):
        order[i], order[j] = order[j], order[i]
    return np.asarray(order, dtype=np.int64)


def learning_rate_at(recipe, epoch):
    """learningRateAt in src/task/task.ts: step decay, or half a cosine from the initial rate."""
    if recipe.get("lrSchedule", "step") == "cosine":
        return recipe["learningRate"] * (1 + math.cos(math.pi * epoch / recipe["epochs"])) / 2
    decay = recipe["lrDecay"]
    return recipe["learningRate"] * decay["factor"] ** (epoch // decay["every"])


def augmentation_draws(stream, mode, n):
    """(dy, dx, flip) int64 arrays for the next n images, drawn in fillBatch's order; None for mode "none".
    Drawing an epoch at once gives the same values as drawing batch by batch."""
    if mode == "none":
        return None
    per_image = 3 if mode == "crop-flip" else 2
    u = stream.take(n * per_image).reshape(n, per_image)
    span = np.uint32(2 * CROP_PADDING + 1)
    dy = (u[:, 0] % span).astype(np.int64) - CROP_PADDING
    dx = (u[:, 1] % span).astype(np.int64) - CROP_PADDING
    flip = (u[:, 2] & np.uint32(1)).astype(np.int64) if per_image == 3 else np.zeros(n, dtype=np.int64)
    return dy, dx, flip


def shift_images(images, dy, dx, flip):
    """fillBatch's crop: NHWC images shifted by (dy, dx) with zero fill, mirrored first where flip is 1
    (dy, dx, flip: int64 tensors on the images' device)."""
    n, h, w, _ = images.shape
    dev = images.device
    p = CROP_PADDING
    padded = F.pad(images, (0, 0, p, p, p, p))
    rows = torch.arange(h, device=dev)[None, :] + (dy[:, None] + p)
    cols = torch.arange(w, device=dev)[None, :]
    cols = torch.where(flip[:, None] == 1, (w - 1) - cols, cols) + (dx[:, None] + p)
    return padded[torch.arange(n, device=dev)[:, None, None], rows[:, :, None], cols[:, None, :]]


def pixel_table(device):
    """float32(b * (1/255)) for every byte b: exactly the floats the tfjs engine feeds."""
    return torch.from_numpy((np.arange(256, dtype=np.float64) * (1.0 / 255.0)).astype(np.float32)).to(device)


class Device:
    """Where and how to compute: the device, autocast dtype and memory format."""

    def __init__(self, kind):
        self.type = kind
        self.torch = torch.device(kind)
        self.cuda = kind == "cuda"
        self.bf16 = self.cuda and torch.cuda.is_bf16_supported()
        self.memory_format = torch.channels_last if self.cuda else torch.contiguous_format
        if self.cuda:
            torch.backends.cudnn.benchmark = True
            torch.backends.cuda.matmul.allow_tf32 = True
            torch.backends.cudnn.allow_tf32 = True

    def autocast(self):
        if self.bf16:
            return torch.autocast(device_type="cuda", dtype=torch.bfloat16)
        return contextlib.nullcontext()

    def describe(self):
        if not self.cuda:
            return f"cpu, {torch.get_num_threads()} threads"
        return f"cuda {torch.cuda.get_device_name(self.torch)}{', bf16 autocast' if self.bf16 else ''}, channels_last"


class Images:
    """A split's uint8 images and labels, resident on the device, or in pinned host
    memory with batches copied asynchronously when the device is short of memory."""

    def __init__(self, images, labels, device):
        host_x = torch.from_numpy(np.ascontiguousarray(images))
        host_y = torch.from_numpy(np.ascontiguousarray(labels)).long()
        self.count = host_x.shape[0]
        self.device = device
        # BLOCKQNN_TORCH_DATA = auto | device | pinned (pinned: always stream, e.g. to test that path). In auto, the
        # data stays on the GPU when it takes under an eighth of the free memory, shared among the slots that may
        # run on this GPU (BLOCKQNN_TORCH_SLOTS_PER_GPU, set by the worker): K slots loading at once never fill it.
        mode = os.environ.get("BLOCKQNN_TORCH_DATA", "auto")
        share = 8 * max(1, int(os.environ.get("BLOCKQNN_TORCH_SLOTS_PER_GPU") or 1))
        resident = not device.cuda or mode == "device" or (mode == "auto" and host_x.numel() < torch.cuda.mem_get_info(device.torch)[0] // share)
        if resident:
            self.x, self.y = host_x.to(device.torch), host_y.to(device.torch)
        else:
            self.x, self.y = host_x.pin_memory(), host_y.pin_memory()
        self.resident = resident

    def indices(self, order):
        """Image indices (a numpy array) where batch() wants them: on the device for
        resident data, so an epoch's order crosses to the GPU once, not per step."""
        t = torch.from_numpy(np.ascontiguousarray(order, dtype=np.int64))
        return t.to(self.device.torch) if self.resident else t

    def batch(self, idx):
        """(images NHWC uint8, labels int64) on the device for indices from indices()."""
        if self.resident:
            return self.x.index_select(0, idx), self.y.index_select(0, idx)
        # pin_memory() blocks come from PyTorch's caching host allocator, which
        # keeps each one until its asynchronous copy has finished.
        x = self.x.index_select(0, idx).pin_memory().to(self.device.torch, non_blocking=True)
        y = self.y.index_select(0, idx).pin_memory().to(self.device.torch, non_blocking=True)
        return x, y


def to_input(images, table, device):
    """NHWC uint8 → NCHW float32 for the model; on CUDA the permuted view is channels_last already."""
    x = table[images.long()].permute(0, 3, 1, 2)
    return x if device.cuda else x.contiguous()


def initialise_like_tfjs(model):
    """tfjs's default initialisation, so both engines start from the same distribution:
    Glorot-uniform weights (bound sqrt(6 / (fan_in + fan_out))) and zero biases for
    convolutions, transposed convolutions and dense layers; norms keep gamma 1, beta 0
    (PyTorch's default too). Fans are tfjs's: a depthwise convolution (groups equal
    to the input channels, no dilation) runs as tfjs's DepthwiseConv2D, whose kernel
    [kh, kw, C, multiplier] has fan_in kh*kw*C and fan_out kh*kw*multiplier."""
    with torch.no_grad():
        for m in model.modules():
            if not isinstance(m, (torch.nn.Conv2d, torch.nn.ConvTranspose2d, torch.nn.Linear)):
                continue
            w = m.weight
            receptive = w[0][0].numel()
            fan_in, fan_out = w.shape[1] * receptive, w.shape[0] * receptive
            if isinstance(m, torch.nn.Conv2d) and m.groups > 1 and m.groups == m.in_channels and tuple(m.dilation) == (1, 1):
                fan_in, fan_out = receptive * m.in_channels, receptive * (m.out_channels // m.in_channels)
            bound = math.sqrt(6.0 / (fan_in + fan_out))
            w.uniform_(-bound, bound)
            if m.bias is not None:
                m.bias.zero_()


def make_optimizer(model, recipe):
    params = model.parameters()
    if recipe["optimizer"] == "adam":
        return torch.optim.Adam(params, lr=recipe["learningRate"], eps=1e-7, weight_decay=recipe["weightDecay"])
    return torch.optim.SGD(params, lr=recipe["learningRate"], momentum=recipe["momentum"], nesterov=True, weight_decay=recipe["weightDecay"])


def evaluate(model, split, table, device, batch_size):
    model.eval()
    correct = torch.zeros((), dtype=torch.int64, device=device.torch)
    order = split.indices(np.arange(split.count))
    with torch.no_grad(), device.autocast():
        for start in range(0, split.count, batch_size):
            images, labels = split.batch(order[start:start + batch_size])
            correct += (model(to_input(images, table, device)).argmax(1) == labels).sum()
    model.train()
    return correct.item() / split.count if split.count else 0.0


def train(model, data, recipe, seed, device, cancelled=lambda: False, on_epoch=lambda record: None, evaluate_on="validation",
          should_continue=lambda record: True):
    """Trains `model` (already on the device) with the recipe.

    data: {"train": Images, "validation": Images, "test": Images}; accuracy is measured
    on data[evaluate_on]. Returns the outcome dict of the protocol's result message
    (status "ok", "diverged" or "pruned"); raises Cancelled. `should_continue` is asked
    after every epoch but the last, with the epoch's record.
    """
    train_split, val_split = data["train"], data[evaluate_on]
    table = pixel_table(device.torch)
    optimizer = make_optimizer(model, recipe)
    stream = Mulberry32(seed)
    batch_size = recipe["batchSize"]
    check_every = CUDA_CHECK_EVERY if device.cuda else 1
    curve, train_seconds, eval_seconds, images_seen = [], 0.0, 0.0, 0
    model.train()
    for epoch in range(recipe["epochs"]):
        lr = learning_rate_at(recipe, epoch)
        for group in optimizer.param_groups:
            group["lr"] = lr
        started = time.perf_counter()
        order = train_split.indices(epoch_order(train_split.count, seed, epoch))
        draws = augmentation_draws(stream, recipe["augmentation"], train_split.count)
        if draws is not None:
            draws = [torch.from_numpy(a).to(device.torch) for a in draws]
        loss_sum, correct, seen, pending = 0.0, 0, 0, []

        def settle():
            """Reads the pending steps' losses; returns the first non-finite one, or None."""
            nonlocal loss_sum, correct, seen
            if not pending:
                return None
            losses = torch.stack([p[0] for p in pending]).tolist()
            hits = torch.stack([p[1] for p in pending]).tolist()
            sizes = [p[2] for p in pending]
            pending.clear()
            for loss, hit, n in zip(losses, hits, sizes):
                if not math.isfinite(loss):
                    return loss
                loss_sum += loss * n
                correct += hit
                seen += n
            return None

        for step, start in enumerate(range(0, train_split.count, batch_size)):
            if cancelled():
                raise Cancelled()
            images, labels = train_split.batch(order[start:start + batch_size])
            n = images.shape[0]
            if draws is not None:
                images = shift_images(images, *(d[start:start + batch_size] for d in draws))
            with device.autocast():
                logits = model(to_input(images, table, device))
            loss = F.cross_entropy(logits.float(), labels)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            pending.append((loss.detach(), (logits.detach().argmax(1) == labels).sum(), n))
            last = start + batch_size >= train_split.count
            if (step + 1) % check_every == 0 or last:
                bad = settle()
                if bad is not None:
                    seconds = time.perf_counter() - started
                    curve.append({"epoch": epoch + 1, "loss": bad, "trainAccuracy": correct / seen if seen else 0.0,
                                  "valAccuracy": float("nan"), "learningRate": lr, "seconds": seconds})
                    return {"status": "diverged", "accuracy": None, "curve": curve, "trainSeconds": train_seconds,
                            "evalSeconds": eval_seconds, "imagesPerSecond": None,
                            "error": f"loss became {_js_number(bad)} in epoch {epoch + 1}"}
        images_seen += seen
        epoch_seconds = time.perf_counter() - started
        train_seconds += epoch_seconds
        eval_started = time.perf_counter()
        val_accuracy = evaluate(model, val_split, table, device, max(batch_size, EVAL_BATCH))
        eval_seconds += time.perf_counter() - eval_started
        record = {"epoch": epoch + 1, "loss": loss_sum / max(seen, 1), "trainAccuracy": correct / max(seen, 1),
                  "valAccuracy": val_accuracy, "learningRate": lr, "seconds": epoch_seconds}
        curve.append(record)
        on_epoch({**record, "epochs": recipe["epochs"], "imagesPerSecond": seen / max(epoch_seconds, 1e-9)})
        if epoch + 1 < recipe["epochs"] and not should_continue(record):
            return ended("pruned", curve, train_seconds, eval_seconds, images_seen)
    return ended("ok", curve, train_seconds, eval_seconds, images_seen)


def ended(status, curve, train_seconds, eval_seconds, images_seen):
    """The outcome of a training that ran its epochs ("ok") or was stopped after the last in `curve` ("pruned"):
    the accuracy is the last epoch's."""
    return {"status": status, "accuracy": curve[-1]["valAccuracy"] if curve else None, "curve": curve,
            "trainSeconds": train_seconds, "evalSeconds": eval_seconds,
            "imagesPerSecond": images_seen / max(train_seconds, 1e-9)}


def _js_number(x):
    """How JS prints a non-finite number, so both engines word the divergence alike."""
    return "NaN" if math.isnan(x) else ("Infinity" if x > 0 else "-Infinity")


def is_out_of_memory(error):
    """CUDA or host allocation failures: the network is too large for this device."""
    if isinstance(error, MemoryError):
        return True
    text = str(error)
    return isinstance(error, RuntimeError) and (
        "out of memory" in text or "can't allocate memory" in text or "CUBLAS_STATUS_ALLOC_FAILED" in text
    )
