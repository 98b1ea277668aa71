"""bench/gpu.sh --packing: candidates per hour of a search's early-stop proxy with K = 1, 2, 4, 8
trainer processes on one GPU, as `blockqnn worker --slots-per-gpu K` runs them. Each trainer is the
torch engine's own (src/engines/torch/trainer.py), driven over its JSON-lines protocol exactly as a
worker slot drives it, pinned with CUDA_VISIBLE_DEVICES and told how many share the GPU
(BLOCKQNN_TORCH_SLOTS_PER_GPU). Needs python3 with torch and numpy; no Node, no Redis.

The proxy: CIFAR-like synthetic 32x32x3 images with learnable class patterns, 5,000 training and
1,000 validation images, 3 epochs, batch 128, Adam 1e-3 (the early-stop recipe's defaults but its
12 epochs), on four BlockQNN networks of different blocks (bench/gpu/packing_nets, generated from
the IR: one block per stage, 3 stages from 16 filters), taken in turn.

For each K: K fresh trainers start (not timed), each trains every network for one epoch on a small
set of the same batch shapes (cudnn autotuning and CUDA start-up, not timed, as a long-lived worker
slot has them behind it), then all K train candidates back to back for --seconds. Candidates per
hour = epochs finished in the window / epochs per candidate x 3600 / window. Beside it: training
images/s of all K together, the GPU's mean utilisation and peak memory in the window (nvidia-smi,
sampled every 500 ms; memory above what was used before the trainers started), the largest peak a
job's allocator reached (torch.cuda.max_memory_allocated), and the ratio to K = 1.

On CUDA it then checks out-of-memory isolation: while one trainer trains a normal candidate, another
takes a job that holds 8 GiB and then asks for far more than the GPU has; that job must come back
too_large, the neighbour's must finish ok, the GPU memory must fall back (the trainer frees the job's
tensors and empties its cache), and the same trainer must train the next job.

--small is the CPU smoke run (K = 1, 2, a few seconds each, tiny data). JSON goes to --out and, last,
to stdout.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import bench  # noqa: E402 - the GPU check's data and cache writer

NETS_DIR = os.path.join(HERE, "packing_nets")
NETS = ["resnet", "inception", "found", "pooling"]
MIB = 2 ** 20


def say(text):
    print(text, flush=True)


def net_spec(name):
    path = os.path.join(NETS_DIR, f"{name}.py")
    with open(path, encoding="utf-8") as f:
        params = int(next(line for line in f if "PARAMETERS =" in line).split("=")[1])
    return {"module": {"path": path}, "className": "Network", "expectedParams": params}


class Trainer:
    """One trainer process and its protocol lines; jobs run one at a time, as in a worker slot."""

    def __init__(self, env, index):
        self.index = index
        self.proc = subprocess.Popen([sys.executable, "-B", "-u", bench.TRAINER], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     env=env, text=True, bufsize=1)
        self.lock = threading.Lock()
        self.ready = None

    def wait_ready(self):
        line = self.proc.stdout.readline()
        self.ready = json.loads(line) if line else None
        if not self.ready or self.ready.get("type") != "ready":
            raise SystemExit(f"trainer {self.index} did not start: {line!r}")
        return self.ready

    def send(self, message):
        with self.lock:
            if self.proc.poll() is None:
                self.proc.stdin.write(json.dumps(message) + "\n")
                self.proc.stdin.flush()

    def run(self, job_id, spec, recipe, cache, on_progress=lambda m: None):
        """Trains one job; returns its result message (or error)."""
        self.send({"type": "train", "id": job_id, **spec, "seed": 1, "recipe": recipe, "dataset": {"path": cache, "key": "bench"}})
        for line in self.proc.stdout:
            message = json.loads(line)
            if message.get("id") != job_id:
                continue
            if message["type"] == "progress":
                on_progress(message)
            elif message["type"] in ("result", "error"):
                return message
        raise SystemExit(f"trainer {self.index} exited with code {self.proc.wait()} during job {job_id}")

    def close(self):
        self.send({"type": "shutdown"})
        try:
            self.proc.stdin.close()
            self.proc.wait(timeout=30)
        except (subprocess.TimeoutExpired, OSError):
            self.proc.kill()


class GpuSampler:
    """nvidia-smi's utilization.gpu and memory.used every 500 ms, in a background process."""

    def __init__(self, gpu):
        self.samples = []
        self.proc = None
        if shutil.which("nvidia-smi"):
            self.proc = subprocess.Popen(["nvidia-smi", "--query-gpu=utilization.gpu,memory.used", "--format=csv,noheader,nounits",
                                          "-i", str(gpu), "-lms", "500"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
            threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.proc.stdout:
            try:
                util, used = (float(v) for v in line.split(","))
                self.samples.append((time.perf_counter(), util, used))
            except ValueError:
                pass

    def stop(self):
        if self.proc:
            self.proc.terminate()
            self.proc.wait(timeout=10)

    def window(self, start, end):
        return [s for s in self.samples if start <= s[0] <= end]


def memory_used_mib(gpu):
    if not shutil.which("nvidia-smi"):
        return None
    out = subprocess.run(["nvidia-smi", "--query-gpu=memory.used", "--format=csv,noheader,nounits", "-i", str(gpu)], capture_output=True, text=True)
    try:
        return float(out.stdout.strip())
    except ValueError:
        return None


def trainer_env(args, slots, cuda):
    threads = max(1, (os.cpu_count() or 1) // slots) if cuda else 1
    return {**os.environ, "BLOCKQNN_TORCH_DEVICE": "cuda" if cuda else "cpu", "CUDA_VISIBLE_DEVICES": str(args.gpu) if cuda else "",
            "BLOCKQNN_TORCH_SLOTS_PER_GPU": str(slots), "BLOCKQNN_TORCH_THREADS": str(threads)}


def phase(args, slots, cuda, caches, recipe):
    """K trainers on one GPU: start, warm up, then train candidates back to back for args.seconds."""
    say(f"K = {slots}: starting {slots} trainer(s) ...")
    baseline = memory_used_mib(args.gpu) if cuda else None
    trainers = [Trainer(trainer_env(args, slots, cuda), i) for i in range(slots)]
    try:
        ready = [t.wait_ready() for t in trainers]
        warm_recipe = {**recipe, "epochs": 1}

        def warm(t):
            for name in NETS:
                result = t.run(f"warm-{t.index}-{name}", net_spec(name), warm_recipe, caches["warm"])
                if result["type"] != "result" or result["status"] != "ok":
                    raise SystemExit(f"warm-up of {name} on trainer {t.index} failed: {result}")

        threads = [threading.Thread(target=warm, args=(t,)) for t in trainers]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        say(f"K = {slots}: warm; training candidates for {args.seconds} s ...")
        sampler = GpuSampler(args.gpu) if cuda else None
        start = time.perf_counter()
        deadline = start + args.seconds
        stats = {"epochs": 0, "candidates": 0, "images": 0, "peak": 0, "failed": []}
        stats_lock = threading.Lock()

        def work(t):
            i = 0
            while time.perf_counter() < deadline:
                name = NETS[(t.index + i) % len(NETS)]
                job_id = f"k{slots}-{t.index}-{i}"
                i += 1

                def on_progress(m):
                    if time.perf_counter() <= deadline:
                        with stats_lock:
                            stats["epochs"] += 1
                            stats["images"] += caches["images"]
                    else:
                        t.send({"type": "cancel", "id": job_id})

                result = t.run(job_id, net_spec(name), recipe, caches["main"], on_progress)
                if result["type"] == "result" and result["status"] == "ok":
                    with stats_lock:
                        stats["peak"] = max(stats["peak"], result.get("peakMemoryBytes") or 0)
                        if time.perf_counter() <= deadline:
                            stats["candidates"] += 1
                elif result["type"] != "result" or result["status"] != "cancelled":
                    stats["failed"].append(result)

        threads = [threading.Thread(target=work, args=(t,)) for t in trainers]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        end = time.perf_counter()
        if sampler:
            sampler.stop()
        if stats["failed"]:
            raise SystemExit(f"K = {slots}: jobs failed: {stats['failed'][:2]}")
        window = sampler.window(start, deadline) if sampler else []
        util = [s[1] for s in window]
        used = [s[2] for s in window]
        row = {
            "slots": slots,
            "candidatesPerHour": round(stats["epochs"] / recipe["epochs"] * 3600 / args.seconds, 1),
            "candidatesCompleted": stats["candidates"],
            "epochsCompleted": stats["epochs"],
            "imagesPerSecond": round(stats["images"] / args.seconds, 1),
            "gpuUtilisationPercent": round(sum(util) / len(util), 1) if util else None,
            "gpuMemoryPeakMiB": round(max(used) - baseline, 1) if used and baseline is not None else None,
            "jobPeakAllocatedMiB": round(stats["peak"] / MIB, 1) if cuda else None,
            "seconds": round(end - start, 1),
            "device": ready[0]["deviceDescription"],
        }
        say(f"K = {slots}: {row['candidatesPerHour']} candidates/h ({row['epochsCompleted']} epochs, {row['imagesPerSecond']} images/s), "
            f"GPU {row['gpuUtilisationPercent']} % busy, {row['gpuMemoryPeakMiB']} MiB")
        return row
    finally:
        for t in trainers:
            t.close()


OOM_NETWORK = '''
import torch
from torch import nn


class Network(nn.Module):
    PARAMETERS = 30730

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3072, 10)

    def forward(self, x):
        held = torch.empty(8 << 30, dtype=torch.uint8, device=x.device)  # 8 GiB this job holds
        too_much = torch.empty(1 << 50, dtype=torch.uint8, device=x.device)  # far more than any GPU has
        return self.fc(x.flatten(1)) + held[0] + too_much[0]
'''


def oom_check(args, caches, recipe, tmp):
    """One trainer runs out of memory while its neighbour trains: isolated, freed, and the trainer goes on."""
    say("out-of-memory isolation: one trainer asks for more memory than the GPU has while another trains ...")
    path = os.path.join(tmp, "oom_net.py")
    with open(path, "w", encoding="utf-8") as f:
        f.write(OOM_NETWORK)
    env = trainer_env(args, 2, True)
    victim, neighbour = Trainer(env, 0), Trainer(env, 1)
    try:
        victim.wait_ready()
        neighbour.wait_ready()
        out = {}
        th = threading.Thread(target=lambda: out.update(neighbour=neighbour.run("neighbour", net_spec("resnet"), recipe, caches["main"])))
        th.start()
        before = memory_used_mib(args.gpu)
        oom = victim.run("oom", {"module": {"path": path}, "className": "Network", "expectedParams": 30730}, recipe, caches["main"])
        time.sleep(1.0)
        after = memory_used_mib(args.gpu)
        following = victim.run("after-oom", net_spec("pooling"), {**recipe, "epochs": 1}, caches["main"])
        th.join()
        result = {
            "oomStatus": oom.get("status"), "oomError": (oom.get("error") or oom.get("message") or "")[:200],
            "neighbourStatus": out["neighbour"].get("status"), "nextJobStatus": following.get("status"),
            "gpuMemoryUsedMiBBeforeOom": before, "gpuMemoryUsedMiBAfterOom": after,
        }
        result["isolated"] = result["oomStatus"] == "too_large" and result["neighbourStatus"] == "ok" and result["nextJobStatus"] == "ok" and \
            (before is None or after is None or after < before + 4096)
        say(f"out-of-memory isolation: {json.dumps(result)}")
        return result
    finally:
        victim.close()
        neighbour.close()


def main(argv=None):
    parser = argparse.ArgumentParser(description="candidates per hour with K trainer slots on one GPU (bench/gpu.sh --packing)")
    parser.add_argument("--packing", action="store_true", help="(this mode; accepted so bench/gpu.sh can pass it on)")
    parser.add_argument("--small", action="store_true", help="CPU smoke run: K = 1, 2; 64 training images, 1 epoch, 4 s each")
    parser.add_argument("--slots", help="comma-separated K values (default 1,2,4,8; --small 1,2)")
    parser.add_argument("--seconds", type=float, help="measured window per K (default 25; --small 4)")
    parser.add_argument("--images", type=int, help="training images (default 5000; --small 64)")
    parser.add_argument("--validation", type=int, help="validation images (default 1000; --small 32)")
    parser.add_argument("--epochs", type=int, help="epochs per candidate (default 3; --small 1)")
    parser.add_argument("--batch-size", type=int, help="batch size (default 128; --small 32)")
    parser.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto")
    parser.add_argument("--gpu", type=int, default=0, help="the GPU index to pack (default 0)")
    parser.add_argument("--no-oom", action="store_true", help="skip the out-of-memory isolation check (CUDA only)")
    parser.add_argument("--out", help="write the JSON summary to this file too")
    args = parser.parse_args(argv)
    small = args.small
    args.slots = [int(k) for k in (args.slots or ("1,2" if small else "1,2,4,8")).split(",")]
    args.seconds = args.seconds or (4.0 if small else 25.0)
    args.images = args.images or (64 if small else 5000)
    args.validation = args.validation or (32 if small else 1000)
    args.epochs = args.epochs or (1 if small else 3)
    args.batch_size = args.batch_size or (32 if small else 128)
    started = time.perf_counter()

    import numpy as np
    import torch
    cuda = args.device == "cuda" or (args.device == "auto" and torch.cuda.is_available())
    device_name = torch.cuda.get_device_name(args.gpu) if cuda else f"cpu ({os.cpu_count()} cores)"
    say(f"GPU packing: {len(NETS)} BlockQNN proxy networks ({', '.join(NETS)}), SYNTHETIC 32x32x3 images, {args.images} training / "
        f"{args.validation} validation, {args.epochs} epochs, batch {args.batch_size}; K = {args.slots}, {args.seconds} s each")
    say(f"device: {device_name}; python {sys.version.split()[0]}, torch {torch.__version__}, numpy {np.__version__}")
    recipe = {"epochs": args.epochs, "batchSize": args.batch_size, "optimizer": "adam", "learningRate": 1e-3,
              "lrDecay": {"factor": 0.2, "every": 5}, "momentum": 0.9, "weightDecay": 0, "augmentation": "none"}
    images, labels = bench.synthetic(args.images + args.validation)
    # The warm-up set has the same batch shapes as the main one (full batches, the same last partial batch).
    warm_train = min(args.images, 4 * args.batch_size + args.images % args.batch_size)
    eval_batch = max(args.batch_size, 256)
    warm_val = min(args.validation, eval_batch + args.validation % eval_batch)
    rows, oom = [], None
    with tempfile.TemporaryDirectory(prefix="blockqnn-gpu-packing-") as tmp:
        caches = {"main": os.path.join(tmp, "main.bqds"), "warm": os.path.join(tmp, "warm.bqds"), "images": args.images}
        train = (images[:args.images], labels[:args.images])
        val = (images[args.images:], labels[args.images:])
        bench.write_cache(caches["main"], "bench", {"train": train, "validation": val})
        bench.write_cache(caches["warm"], "bench", {"train": (train[0][:warm_train], train[1][:warm_train]), "validation": (val[0][:warm_val], val[1][:warm_val])})
        for slots in args.slots:
            rows.append(phase(args, slots, cuda, caches, recipe))
        if cuda and not args.no_oom:
            oom = oom_check(args, caches, recipe, tmp)
    base = next((r for r in rows if r["slots"] == 1), rows[0])
    for r in rows:
        r["ratioToK1"] = round(r["candidatesPerHour"] / base["candidatesPerHour"], 3) if base["candidatesPerHour"] else None
    summary = {
        "benchmark": "gpu-packing", "device": device_name, "torch": torch.__version__, "python": sys.version.split()[0],
        "data": "SYNTHETIC 32x32x3 images with learnable class patterns", "networks": NETS,
        "images": args.images, "validation": args.validation, "epochs": args.epochs, "batchSize": args.batch_size,
        "windowSeconds": args.seconds, "rows": rows, "bestRatioToK1": max((r["ratioToK1"] or 0) for r in rows),
        "oomIsolation": oom, "seconds": round(time.perf_counter() - started, 1),
    }
    for r in rows:
        say(f"K = {r['slots']:2d}  {r['candidatesPerHour']:9.1f} candidates/h  x{r['ratioToK1']:.2f}  "
            f"GPU {r['gpuUtilisationPercent']} % busy  memory {r['gpuMemoryPeakMiB']} MiB (job peak {r['jobPeakAllocatedMiB']} MiB)")
    say(f"total {summary['seconds']} s")
    text = json.dumps(summary)
    if args.out:
        with open(args.out, "w", encoding="utf-8") as f:
            f.write(text + "\n")
    print(text, flush=True)


if __name__ == "__main__":
    main()
