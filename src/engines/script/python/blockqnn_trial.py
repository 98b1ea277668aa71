"""blockqnn_trial: what a training script of your own needs to train one candidate
network for blockqnn's `script` engine (`blockqnn search --engine script --trainer train.py`).

    import blockqnn_trial

    trial = blockqnn_trial.current()          # the job this process was started for
    model = trial.build_model()               # the candidate, an nn.Module on trial.device
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
    for epoch in range(1, trial.epochs + 1):
        for images, labels in trial.train_loader():      # float NCHW in [0, 1], int64 labels
            ...
        trial.report_epoch(epoch, loss=..., val_accuracy=trial.evaluate(model))
    trial.report_final(trial.evaluate(model), params_trained=...)

The worker starts the script once per job, with this folder on PYTHONPATH and
BLOCKQNN_TRIAL_JOB naming the job file (JSON: the network module, the dataset cache,
the recipe, seed, device, time limit, and the two file descriptors of the channel).
Messages travel as JSON lines on those descriptors, never on stdout or stderr, so the
script prints whatever it likes. Protocol 1 (src/engines/script/README.md):

    script -> worker   {"type": "hello", "protocol": 1, "pid", "python"}
                       {"type": "epoch", "epoch", "loss", "trainAccuracy"?, "valAccuracy"?, "learningRate"?, "seconds", "images"}
                       {"type": "final", "accuracy", "extra": {name: number}}
                       {"type": "failure", "error", "traceback", "outOfMemory"}
    worker -> script   {"type": "continue", "epoch"} | {"type": "stop", "epoch", "reason"}   (one answer per epoch)
                       {"type": "cancel", "reason"}                                          (at any time)

Non-finite numbers travel as the strings "NaN", "Infinity", "-Infinity" (JSON has none).
Every epoch report waits for the worker's answer: "stop" (a non-finite loss or accuracy,
or the run's pruner stopping a hopeless candidate) makes report_epoch raise Stopped, which
ends the script quietly. An uncaught exception is reported as a failure (out of memory flagged),
then printed as usual.

current() seeds random, numpy and torch with the job's seed. torch is imported on first
use (the network, a loader, the device) or at current() when the script has imported it
already, as scripts do at the top; a script that only reports starts in a fraction of a second.

Needs torch and numpy; reads the dataset cache with src/datasets/dataset_cache.py.
"""
import importlib.util
import json
import math
import os
import platform
import queue
import random
import sys
import threading
import time
import traceback

import numpy as np


def _load_dataset_cache():
    """src/datasets/dataset_cache.py, loaded by path so the script's own imports see nothing of blockqnn's but this module."""
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "datasets", "dataset_cache.py")
    spec = importlib.util.spec_from_file_location("blockqnn_dataset_cache", os.path.normpath(path))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


dataset_cache = _load_dataset_cache()

PROTOCOL = 1
JOB_ENV = "BLOCKQNN_TRIAL_JOB"
EVAL_BATCH = 256
# A script whose worker died gets this long to notice (report_epoch raises Stopped) before it exits.
ORPHAN_EXIT_SECONDS = 10

__all__ = ["current", "Trial", "Loader", "Stopped", "is_out_of_memory", "PROTOCOL"]


class Stopped(Exception):
    """The worker asked this trial to stop (cancelled, out of time, diverged, pruned).
    report_epoch raises it; left uncaught it ends the script quietly."""

    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


def is_out_of_memory(error):
    """A CUDA or host allocation failure: blockqnn records the candidate as too_large."""
    if isinstance(error, MemoryError):
        return True
    torch = sys.modules.get("torch")
    oom_type = getattr(getattr(torch, "cuda", None), "OutOfMemoryError", None)
    if oom_type is not None and isinstance(error, oom_type):
        return True
    text = str(error)
    return isinstance(error, RuntimeError) and (
        "out of memory" in text or "can't allocate memory" in text or "CUBLAS_STATUS_ALLOC_FAILED" in text
    )


def _wire(value):
    """A number as the protocol carries it: non-finite floats as strings."""
    value = float(value)
    if math.isfinite(value):
        return value
    return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")


def _number(name, value, fraction=False):
    """A float from a Python number, numpy scalar or one-element tensor; fractions must lie in [0, 1]."""
    try:
        x = float(value.item() if hasattr(value, "item") else value)
    except (TypeError, ValueError):
        raise TypeError(f"blockqnn_trial: {name} must be a number, got {type(value).__name__}") from None
    if fraction and math.isfinite(x) and not 0.0 <= x <= 1.0:
        raise ValueError(f"blockqnn_trial: {name} must be a fraction in [0, 1], got {x} (report 0.87, not 87)")
    return x


class _Channel:
    """The two descriptors of the job: lines out, answers in (read by a daemon thread)."""

    def __init__(self, out_fd, in_fd):
        self._out = os.fdopen(out_fd, "w", encoding="utf-8", buffering=1)
        self._lock = threading.Lock()
        self.cancelled = threading.Event()
        self.cancel_reason = None
        self.answers = queue.Queue()
        threading.Thread(target=self._read, args=(in_fd,), daemon=True, name="blockqnn_trial answers").start()

    def send(self, message):
        line = json.dumps(message, allow_nan=False, separators=(",", ":"))
        with self._lock:
            self._out.write(line + "\n")
            self._out.flush()

    def _read(self, in_fd):
        with os.fdopen(in_fd, "r", encoding="utf-8") as answers:
            for line in answers:
                try:
                    message = json.loads(line)
                except ValueError:
                    continue
                if message.get("type") == "cancel":
                    self.cancel_reason = str(message.get("reason", "cancelled"))
                    self.cancelled.set()
                self.answers.put(message)
        # The worker closes its end only once this process has exited, so EOF here means the
        # worker died: stop at the next report, and exit anyway if the script does not notice.
        self.cancel_reason = self.cancel_reason or "the worker closed the channel"
        self.cancelled.set()
        self.answers.put({"type": "cancel", "reason": self.cancel_reason})
        timer = threading.Timer(ORPHAN_EXIT_SECONDS, lambda: os._exit(3))
        timer.daemon = True
        timer.start()


class Loader:
    """Batches of one split as (images, labels) tensors on the trial's device: images float32
    NCHW in [0, 1], labels int64. A shuffled loader draws a new order each pass from the
    trial's seed, so a run is reproducible. len() is the number of batches."""

    def __init__(self, images, labels, batch_size, device, shuffle, drop_last, seed, on_batch=None):
        if int(batch_size) < 1:
            raise ValueError(f"blockqnn_trial: batch_size must be at least 1, got {batch_size}")
        self.images, self.labels = images, labels
        self.batch_size, self.device = int(batch_size), device
        self.shuffle, self.drop_last = shuffle, drop_last
        self._rng = np.random.default_rng(seed)
        self._on_batch = on_batch

    def __len__(self):
        n = len(self.labels)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)

    def __iter__(self):
        n = len(self.labels)
        order = self._rng.permutation(n) if self.shuffle else np.arange(n)
        for i in range(len(self)):
            take = np.sort(order[i * self.batch_size:(i + 1) * self.batch_size])
            torch = _torch()
            images = torch.from_numpy(self.images[take]).to(self.device, non_blocking=True)
            labels = torch.from_numpy(self.labels[take].astype(np.int64)).to(self.device, non_blocking=True)
            if self._on_batch is not None:
                self._on_batch(len(take))
            yield images.permute(0, 3, 1, 2).float().div_(255.0), labels


class Trial:
    """One job: the candidate network, its data, its recipe, and the channel back to the worker."""

    def __init__(self, job, channel):
        self.job = job
        self._channel = channel
        self.seed = int(job["seed"])
        self.recipe = dict(job["recipe"])
        self.epochs = int(self.recipe["epochs"])
        self.batch_size = int(self.recipe["batchSize"])
        self.time_limit_seconds = job.get("timeLimitSeconds")
        self.evaluate_on = job.get("evaluateOn", "validation")
        self.classes = list(job["dataset"]["classes"])
        self.num_classes = len(self.classes)
        self.image_shape = tuple(job["dataset"]["shape"])
        self._started = time.monotonic()
        self._last_report = self._started
        self._images_since_report = 0
        self._last_epoch = 0
        self._final_sent = False
        self._data = None
        self._network_class = None
        self._device = None

    @property
    def device(self):
        """The torch.device to train on: BLOCKQNN_TORCH_DEVICE (auto: CUDA when available, cpu, cuda)."""
        if self._device is None:
            self._device = _choose_device(self.job.get("device", "auto"))
        return self._device

    # -- the network -------------------------------------------------------------------

    @property
    def network_class(self):
        """The generated nn.Module class (src/engines/torch/codegen.ts): Network() takes NCHW images in [0, 1]."""
        if self._network_class is None:
            _torch()
            spec = self.job["network"]
            loader = importlib.util.spec_from_file_location("blockqnn_network", spec["module"])
            module = importlib.util.module_from_spec(loader)
            loader.loader.exec_module(module)
            self._network_class = getattr(module, spec["className"])
        return self._network_class

    def build_model(self):
        """A fresh instance of the candidate on trial.device, with PyTorch's default initialisation."""
        model = self.network_class()
        params = sum(p.numel() for p in model.parameters())
        expected = self.job["network"].get("params")
        if expected is not None and params != expected:
            raise AssertionError(f"blockqnn_trial: the generated module has {params} parameters, the IR counts {expected}")
        return model.to(self.device)

    # -- the data ----------------------------------------------------------------------

    def arrays(self, split="train"):
        """(images, labels) as numpy arrays: uint8 N x H x W x C and int64. split: "train", or "val"
        for the split the accuracy is measured on (validation in a search, test in a final training)."""
        if split not in ("train", "val"):
            raise ValueError(f'blockqnn_trial: split must be "train" or "val", got {split!r}')
        if self._data is None:
            header, arrays = dataset_cache.load(self.job["dataset"]["path"])
            expected = self.job["dataset"].get("key")
            if expected is not None and header.get("key") != expected:
                raise ValueError(f"blockqnn_trial: dataset cache {self.job['dataset']['path']} has key {header.get('key')}, the job expects {expected}")
            evaluated = "test" if self.evaluate_on == "test" else "validation"
            self._data = {
                "train": (arrays["train_images"], arrays["train_labels"].astype(np.int64)),
                "val": (arrays[f"{evaluated}_images"], arrays[f"{evaluated}_labels"].astype(np.int64)),
            }
        return self._data[split]

    def train_loader(self, batch_size=None, shuffle=True, drop_last=False):
        """Training batches, reshuffled each pass; batch_size defaults to the recipe's."""
        images, labels = self.arrays("train")
        return Loader(images, labels, batch_size or self.batch_size, self.device, shuffle, drop_last,
                      seed=[self.seed, 1], on_batch=self._count_images)

    def val_loader(self, batch_size=None):
        """The evaluation split in order (validation in a search, test in a final training)."""
        images, labels = self.arrays("val")
        return Loader(images, labels, batch_size or max(self.batch_size, EVAL_BATCH), self.device, False, False, seed=[self.seed, 2])

    def evaluate(self, model, loader=None):
        """Top-1 accuracy of `model` on the evaluation split (or `loader`), in eval mode; restores train mode."""
        was_training = model.training
        model.eval()
        correct, seen = 0, 0
        with _torch().no_grad():
            for images, labels in loader if loader is not None else self.val_loader():
                correct += int((model(images).argmax(1) == labels).sum())
                seen += len(labels)
        model.train(was_training)
        return correct / seen if seen else 0.0

    def _count_images(self, n):
        self._images_since_report += n

    # -- talking to the worker ---------------------------------------------------------

    def seconds_left(self):
        """Seconds until the worker's time limit for this job (None without one), counted from when the worker took it."""
        if self.time_limit_seconds is None:
            return None
        started = self.job.get("startedAtMs")
        elapsed = time.time() - started / 1000 if started is not None else time.monotonic() - self._started
        return self.time_limit_seconds - elapsed

    def should_stop(self):
        """True once the worker asked the trial to stop (the run was cancelled, or the time limit is near)."""
        return self._channel.cancelled.is_set()

    def report_epoch(self, epoch, loss, train_accuracy=None, val_accuracy=None, learning_rate=None):
        """Reports one finished epoch (counting from 1) and waits for the worker's answer.
        Raises Stopped when the worker says stop: the run was cancelled, a non-finite
        loss or accuracy ended the trial as diverged, or the run's pruner ended it as pruned."""
        if isinstance(epoch, bool) or not isinstance(epoch, (int, np.integer)) or epoch < 1:
            raise ValueError(f"blockqnn_trial: epochs count from 1, got {epoch!r} (in a range(trial.epochs) loop report epoch + 1)")
        if epoch <= self._last_epoch:
            raise ValueError(f"blockqnn_trial: epoch {epoch} reported after epoch {self._last_epoch}: report each epoch once, in order")
        self._last_epoch = int(epoch)
        now = time.monotonic()
        message = {"type": "epoch", "epoch": int(epoch), "loss": _wire(_number("loss", loss)),
                   "seconds": now - self._last_report, "images": self._images_since_report}
        for key, name, value in (("trainAccuracy", "train_accuracy", train_accuracy), ("valAccuracy", "val_accuracy", val_accuracy)):
            if value is not None:
                message[key] = _wire(_number(name, value, fraction=True))
        if learning_rate is not None:
            message["learningRate"] = _wire(_number("learning_rate", learning_rate))
        self._last_report, self._images_since_report = now, 0
        if self.should_stop():
            raise Stopped(self._channel.cancel_reason)
        self._channel.send(message)
        while True:
            answer = self._channel.answers.get()
            kind = answer.get("type")
            if kind == "cancel":
                raise Stopped(self._channel.cancel_reason)
            if answer.get("epoch") != epoch:
                continue
            if kind == "stop":
                raise Stopped(str(answer.get("reason", "stopped by the worker")))
            return None

    def report_final(self, accuracy, **extra):
        """Reports the trial's result: accuracy in [0, 1] on the evaluation split, plus any
        named numbers (stored with the candidate, e.g. report_final(0.91, ema_accuracy=0.92))."""
        if self._final_sent:
            raise RuntimeError("blockqnn_trial: report_final was already called for this job")
        metrics = {}
        for name, value in extra.items():
            metrics[name] = _wire(_number(name, value))
        self._channel.send({"type": "final", "accuracy": _wire(_number("accuracy", accuracy, fraction=True)), "extra": metrics})
        self._final_sent = True


def _choose_device(wanted):
    """BLOCKQNN_TORCH_DEVICE as the torch engine reads it: auto (CUDA when available), cpu or cuda."""
    torch = _torch()
    wanted = os.environ.get("BLOCKQNN_TORCH_DEVICE", wanted or "auto")
    if wanted == "cuda" and not torch.cuda.is_available():
        raise RuntimeError("blockqnn_trial: BLOCKQNN_TORCH_DEVICE=cuda but torch.cuda.is_available() is False")
    return torch.device("cuda" if wanted != "cpu" and torch.cuda.is_available() else "cpu")


_current = None
_torch_module = None


def _torch():
    """torch, imported on first use, then threaded and seeded as the job says."""
    global _torch_module
    if _torch_module is None:
        import torch

        threads = os.environ.get("BLOCKQNN_TORCH_THREADS")
        if threads:
            torch.set_num_threads(max(1, int(threads)))
        if _current is not None:
            torch.manual_seed(_current.seed & 0xFFFFFFFF)
        _torch_module = torch
    return _torch_module


def current():
    """The Trial of this process (connects to the worker on the first call)."""
    global _current
    if _current is not None:
        return _current
    path = os.environ.get(JOB_ENV)
    if not path:
        raise RuntimeError(f"blockqnn_trial: {JOB_ENV} is not set; this script is meant to be started by "
                           "`blockqnn worker --engine script --trainer SCRIPT` (or `blockqnn search --engine script --trainer SCRIPT`)")
    with open(path, encoding="utf-8") as f:
        job = json.load(f)
    if job.get("protocol") != PROTOCOL:
        raise RuntimeError(f"blockqnn_trial speaks protocol {PROTOCOL}, the job file {path} protocol {job.get('protocol')}: "
                           "import the blockqnn_trial the worker puts on PYTHONPATH, not a copy")
    channel = _Channel(int(job["channel"]["fd"]), int(job["channel"]["answerFd"]))
    trial = Trial(job, channel)
    random.seed(trial.seed & 0xFFFFFFFF)
    np.random.seed(trial.seed & 0xFFFFFFFF)
    _current = trial
    if "torch" in sys.modules:
        _torch()
    _install_excepthook(channel)
    channel.send({"type": "hello", "protocol": PROTOCOL, "pid": os.getpid(), "python": platform.python_version()})
    return trial


def _install_excepthook(channel):
    """An uncaught Stopped ends the script quietly; any other exception is reported, then printed."""
    previous = sys.excepthook

    def hook(kind, error, tb):
        if isinstance(error, Stopped):
            sys.exit(0)
        try:
            channel.send({"type": "failure", "error": f"{kind.__name__}: {error}"[:2000],
                          "traceback": "".join(traceback.format_exception(kind, error, tb))[-8000:],
                          "outOfMemory": is_out_of_memory(error)})
        except (OSError, ValueError):
            pass
        previous(kind, error, tb)

    sys.excepthook = hook
