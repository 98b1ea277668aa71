"""blockqnn's torch trainer: one long-lived process per worker slot, driven over
JSON lines (protocol 1, described in README.md beside this file).

    python3 trainer.py        stdin: requests, stdout: responses, stderr: logs

stdout carries nothing but protocol lines: at start the process moves its
original stdout aside for the protocol and points file descriptor 1 at stderr,
so a print() or a C library's output can never corrupt the channel.

Environment: BLOCKQNN_TORCH_DEVICE = auto (default: CUDA when available) | cpu |
cuda; BLOCKQNN_TORCH_THREADS = CPU threads (default: every core this process may
use). The worker pins GPUs with CUDA_VISIBLE_DEVICES, so "cuda" is device 0.

Needs torch and numpy; reads datasets with src/datasets/dataset_cache.py.
"""
import gc
import json
import linecache
import math
import os
import platform
import queue
import sys
import threading
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.normpath(os.path.join(HERE, "..", "..", "datasets")))

import numpy as np  # noqa: E402
import torch  # noqa: E402

import checkpoint_file  # noqa: E402
import dataset_cache  # noqa: E402
import introspective  # noqa: E402
import recipe  # noqa: E402

PROTOCOL = 1
# After stdin closes (the worker is gone) a job still running gets this long to notice the cancel.
EXIT_GRACE_SECONDS = 10


def _finite(value):
    """JSON has no NaN or Infinity: non-finite floats travel as null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    return value


class Channel:
    """The protocol's output: whole lines, one writer at a time."""

    def __init__(self):
        protocol_fd = os.dup(1)
        os.dup2(2, 1)
        sys.stdout = sys.stderr
        self._out = os.fdopen(protocol_fd, "w", encoding="utf-8")
        self._lock = threading.Lock()

    def send(self, message):
        line = json.dumps(_finite(message), allow_nan=False, separators=(",", ":"))
        with self._lock:
            self._out.write(line + "\n")
            self._out.flush()


class JobState:
    """Which job runs, which were cancelled (a cancel may arrive before its job starts), and the
    continue/stop decisions the worker sends for the running job's epochs (a job with a pruner)."""

    def __init__(self):
        self.lock = threading.Condition()
        self.current = None
        self.cancel = threading.Event()
        self.cancelled_ids = set()
        self.decisions = {}

    def start(self, job_id):
        with self.lock:
            self.cancel.clear()
            self.current = job_id
            self.decisions = {}
            if job_id in self.cancelled_ids:
                self.cancelled_ids.discard(job_id)
                self.cancel.set()

    def request_cancel(self, job_id):
        with self.lock:
            if job_id == self.current:
                self.cancel.set()
                self.lock.notify_all()
            else:
                self.cancelled_ids.add(job_id)

    def cancel_all(self):
        with self.lock:
            self.cancel.set()
            self.lock.notify_all()

    def decide(self, job_id, epoch, go_on):
        with self.lock:
            if job_id == self.current:
                self.decisions[epoch] = go_on
                self.lock.notify_all()

    def await_decision(self, epoch):
        """The worker's continue (True) or stop (False) after `epoch`; raises recipe.Cancelled on a cancel."""
        with self.lock:
            while epoch not in self.decisions:
                if self.cancel.is_set():
                    raise recipe.Cancelled()
                self.lock.wait()
            return self.decisions.pop(epoch)

    def finish(self):
        with self.lock:
            self.current = None


def choose_device(channel):
    wanted = os.environ.get("BLOCKQNN_TORCH_DEVICE", "auto")
    if wanted not in ("auto", "cpu", "cuda"):
        channel.send({"type": "error", "id": None, "kind": "startup", "message": f"BLOCKQNN_TORCH_DEVICE must be auto, cpu or cuda, not {wanted!r}"})
        sys.exit(3)
    if wanted == "cuda" and not torch.cuda.is_available():
        channel.send({"type": "error", "id": None, "kind": "startup", "message": "BLOCKQNN_TORCH_DEVICE=cuda but torch.cuda.is_available() is False"})
        sys.exit(3)
    return recipe.Device("cuda" if wanted != "cpu" and torch.cuda.is_available() else "cpu")


def cpu_threads():
    given = os.environ.get("BLOCKQNN_TORCH_THREADS")
    if given:
        return max(1, int(given))
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def load_network_class(spec, class_name, job_id):
    """The nn.Module class from generated source ({"source": text}) or a file ({"path": p})."""
    if "path" in spec:
        filename = spec["path"]
        with open(filename, encoding="utf-8") as f:
            source = f.read()
    else:
        filename = f"<blockqnn network {job_id}>"
        source = spec["source"]
        # Tracebacks then show the generated lines.
        linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    namespace = {"__name__": "blockqnn_network"}
    exec(compile(source, filename, "exec"), namespace)
    return namespace[class_name]


class DatasetMemo:
    """The last dataset read, on the device: consecutive jobs of a search share it."""

    def __init__(self):
        self.key = None
        self.value = None

    def get(self, path, device):
        st = os.stat(path)
        key = (os.path.abspath(path), st.st_mtime_ns, st.st_size)
        if key != self.key:
            self.key, self.value = None, None
            gc.collect()
            header, arrays = dataset_cache.load(path)
            splits = {
                "train": recipe.Images(arrays["train_images"], arrays["train_labels"], device),
                "validation": recipe.Images(arrays["validation_images"], arrays["validation_labels"], device),
                "test": recipe.Images(arrays["test_images"], arrays["test_labels"], device),
            }
            self.key, self.value = key, (header, splits)
        return self.value


def run_job(request, channel, device, memo, state):
    job_id = request.get("id")
    model = None
    try:
        state.start(job_id)
        if state.cancel.is_set():
            raise recipe.Cancelled()
        network = load_network_class(request["module"], request.get("className", "Network"), job_id)
        header, splits = memo.get(request["dataset"]["path"], device)
        expected_key = request["dataset"].get("key")
        if expected_key is not None and header["key"] != expected_key:
            raise ValueError(f"dataset cache {request['dataset']['path']} has key {header['key']}, the job expects {expected_key}")
        torch.manual_seed(int(request["seed"]) & 0xFFFFFFFF)
        model = network()
        recipe.initialise_like_tfjs(model)
        params = sum(p.numel() for p in model.parameters())
        if request.get("expectedParams") is not None and params != request["expectedParams"]:
            raise AssertionError(f"the generated module has {params} parameters, the IR counts {request['expectedParams']}")
        model.to(device.torch, memory_format=device.memory_format)
        if device.cuda:
            torch.cuda.reset_peak_memory_stats(device.torch)
        # WINN mode has its own loop (introspective.py); either model is then measured under FGSM if asked.
        train = introspective.train if request["recipe"].get("introspective") else recipe.train
        # With "decisions", the worker answers every epoch's progress line but the last's with continue or stop
        # (its pruner's decision): the training waits for it, so no epoch runs on without an answer.
        outcome = train(
            model, splits, request["recipe"], int(request["seed"]), device,
            cancelled=state.cancel.is_set,
            on_epoch=lambda record: channel.send({"type": "progress", "id": job_id, **record}),
            evaluate_on=request.get("evaluateOn", "validation"),
            should_continue=(lambda record: state.await_decision(record["epoch"])) if request.get("decisions") else (lambda record: True),
        )
        introspective.add_robustness(outcome, model, splits[request.get("evaluateOn", "validation")], request["recipe"], device)
        peak = torch.cuda.max_memory_allocated(device.torch) if device.cuda else None
        saved = {}
        target = request.get("checkpoint")
        if target is not None and outcome["status"] == "ok":
            # Trained weights, PyTorch state_dict names and layouts, as src/engines/checkpoint.ts reads them.
            size = checkpoint_file.write(target["path"], model.state_dict(), target["metadata"])
            saved = {"checkpointBytes": size}
        channel.send({"type": "result", "id": job_id, **outcome, "params": params, "peakMemoryBytes": peak, **saved})
    except recipe.Cancelled:
        channel.send({"type": "result", "id": job_id, "status": "cancelled", "accuracy": None, "curve": [],
                      "trainSeconds": 0, "evalSeconds": 0, "imagesPerSecond": None})
    except Exception as error:  # noqa: BLE001 - every failure must become a protocol message
        if recipe.is_out_of_memory(error):
            channel.send({"type": "result", "id": job_id, "status": "too_large", "accuracy": None, "curve": [],
                          "trainSeconds": 0, "evalSeconds": 0, "imagesPerSecond": None,
                          "error": f"out of memory on {device.type}: {str(error).splitlines()[0][:500]}"})
        else:
            channel.send({"type": "error", "id": job_id, "kind": "job", "message": f"{type(error).__name__}: {error}"[:2000],
                          "traceback": traceback.format_exc()[-8000:]})
    finally:
        state.finish()
    # Outside the except block, so the traceback (and the tensors its frames hold) is gone.
    del model
    gc.collect()
    if device.cuda:
        torch.cuda.empty_cache()


def read_requests(channel, jobs, state):
    for raw in sys.stdin:
        line = raw.strip()
        if not line:
            continue
        try:
            message = json.loads(line)
            kind = message.get("type") if isinstance(message, dict) else None
        except ValueError:
            kind, message = None, line
        if kind == "train":
            jobs.put(message)
        elif kind == "cancel":
            state.request_cancel(message.get("id"))
        elif kind == "decision":
            state.decide(message.get("id"), message.get("epoch"), bool(message.get("continue")))
        elif kind == "shutdown":
            jobs.put(None)
            return
        else:
            channel.send({"type": "error", "id": None, "kind": "protocol", "message": f"not a request: {str(message)[:200]}"})
    # stdin closed: the worker is gone. Stop the job and exit, forcibly if it does not stop.
    state.cancel_all()
    jobs.put(None)
    timer = threading.Timer(EXIT_GRACE_SECONDS, lambda: os._exit(0))
    timer.daemon = True
    timer.start()


def main():
    channel = Channel()
    torch.set_num_threads(cpu_threads())
    device = choose_device(channel)
    channel.send({
        "type": "ready", "protocol": PROTOCOL, "pid": os.getpid(), "python": platform.python_version(),
        "executable": sys.executable, "torch": torch.__version__, "numpy": np.__version__,
        "device": device.type, "deviceDescription": device.describe(), "threads": torch.get_num_threads(), "bf16": device.bf16,
    })
    jobs = queue.Queue()
    state = JobState()
    threading.Thread(target=read_requests, args=(channel, jobs, state), daemon=True).start()
    memo = DatasetMemo()
    while True:
        request = jobs.get()
        if request is None:
            break
        run_job(request, channel, device, memo, state)


if __name__ == "__main__":
    main()
