"""GPU check of the script engine's Python side (src/engines/script): needs only python3 with
torch and numpy, no Node and no Redis, so it runs on a bare CUDA host.

    python3 bench/gpu/script_check.py            # on a GPU host
    python3 bench/gpu/script_check.py --small    # CPU smoke run

It plays the worker's part as src/engines/script/trial-process.ts does (a job folder, the job
file, descriptors 3 and 4, one answer per epoch, a process group killed at the end) and checks:

1. examples/custom-trainer/train.py trains bench/gpu/blockqnn_net.py on CUDA (bf16 autocast where
   supported) through blockqnn_trial's loaders, and reports epochs and a final accuracy;
2. a real CUDA out-of-memory error (400 GiB asked of the card) raised in a trainer is reported by
   the helper with outOfMemory true (the engine's too_large);
3. the same error caught by the script and printed: the stderr line the engine's out-of-memory
   pattern (src/engines/script/outcome.ts) must recognise, checked here with the same pattern;
4. a cancel, then the kill of the process group: the script and a grandchild are gone.

Prints one line per check and exits 1 if any fails. Data: synthetic 32x32x3 images with
learnable class patterns (bench.py's), 10,000 training and 2,000 validation images.
"""
import argparse
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from bench import ROOT, NETWORK, synthetic, write_cache  # noqa: E402

HELPER_DIR = os.path.join(ROOT, "src", "engines", "script", "python")
EXAMPLE = os.path.join(ROOT, "examples", "custom-trainer", "train.py")
# src/engines/script/outcome.ts's OUT_OF_MEMORY, in Python's syntax.
OUT_OF_MEMORY = re.compile(r"CUDA out of memory|HIP out of memory|OutOfMemoryError|CUBLAS_STATUS_ALLOC_FAILED|can't allocate memory|^MemoryError\b", re.M)

OOM_RAISED = """import torch
import blockqnn_trial
trial = blockqnn_trial.current()
model = trial.build_model()
torch.empty(400 * 1024**3, dtype=torch.uint8, device=trial.device)
"""
OOM_CAUGHT = """import sys
import torch
import blockqnn_trial
trial = blockqnn_trial.current()
try:
    torch.empty(400 * 1024**3, dtype=torch.uint8, device=trial.device)
except torch.cuda.OutOfMemoryError as error:
    print(f"giving up: {error}", file=sys.stderr)
    sys.exit(1)
"""
HANG = """import os, subprocess, time
import blockqnn_trial
trial = blockqnn_trial.current()
sleeper = subprocess.Popen(["sleep", "1000"])
with open(os.environ["PIDS"], "w") as f:
    f.write(f"{os.getpid()} {sleeper.pid}")
while True:
    time.sleep(0.05)
"""


def run(trainer, cache, epochs, batch, env_extra=None, cancel_after=None):
    """One job as the worker runs it; returns the messages, exit code and output tails."""
    folder = tempfile.mkdtemp(prefix="blockqnn-trial-")
    job = {"protocol": 1, "job": "gpu-check", "seed": 1, "device": "auto", "timeLimitSeconds": 600, "startedAtMs": time.time() * 1000, "evaluateOn": "validation",
           "recipe": {"epochs": epochs, "batchSize": batch, "learningRate": 0.003, "optimizer": "adam"},
           "network": {"module": NETWORK, "className": "Network", "params": None},
           "dataset": {"path": cache, "key": "bench", "name": "bench", "classes": [str(i) for i in range(10)], "shape": [32, 32, 3]},
           "channel": {"fd": 3, "answerFd": 4}}
    with open(os.path.join(folder, "job.json"), "w") as f:
        json.dump(job, f)
    r3, w3 = os.pipe()
    r4, w4 = os.pipe()
    env = dict(os.environ, PYTHONPATH=HELPER_DIR, BLOCKQNN_TRIAL_JOB=os.path.join(folder, "job.json"), **(env_extra or {}))

    def descriptors():
        os.dup2(w3, 3)
        os.dup2(r4, 4)

    started = time.time()
    child = subprocess.Popen([sys.executable, "-B", "-u", trainer], cwd=folder, env=env, preexec_fn=descriptors, pass_fds=(3, 4),
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    os.close(w3)
    os.close(r4)
    answers = os.fdopen(w4, "w", buffering=1)
    if cancel_after is not None:
        def cancel():
            time.sleep(cancel_after)
            answers.write(json.dumps({"type": "cancel", "reason": "cancelled"}) + "\n")
            time.sleep(1)
            os.killpg(child.pid, signal.SIGKILL)
        threading.Thread(target=cancel, daemon=True).start()
    messages = []
    for line in os.fdopen(r3, "r"):
        message = json.loads(line)
        messages.append(message)
        if message["type"] == "epoch":
            bad = any(isinstance(message.get(k), str) for k in ("loss", "trainAccuracy", "valAccuracy"))
            answers.write(json.dumps({"type": "stop", "epoch": message["epoch"], "reason": "non-finite"} if bad else {"type": "continue", "epoch": message["epoch"]}) + "\n")
    out, err = child.communicate()
    code = child.returncode
    try:
        os.killpg(child.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    return {"code": code, "seconds": time.time() - started, "messages": messages, "stdout": out.decode(), "stderr": err.decode()}


def alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            stat = f.read()
        return stat[stat.rindex(")") + 2] != "Z"
    except OSError:
        return False


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--small", action="store_true", help="CPU smoke run: 256 images, one epoch, no out-of-memory checks")
    args = parser.parse_args()
    import torch

    cuda = torch.cuda.is_available()
    print(f"torch {torch.__version__}, python {sys.version.split()[0]}, "
          f"{torch.cuda.get_device_name(0) + (' (bf16)' if torch.cuda.is_bf16_supported() else '') if cuda else 'no CUDA: cpu'}")
    count, validation, epochs = (256, 64, 1) if args.small else (10_000, 2_000, 3)
    tmp = tempfile.mkdtemp(prefix="blockqnn-script-check-")
    images, labels = synthetic(count + validation)
    cache = os.path.join(tmp, "bench.bqds")
    write_cache(cache, "bench", {"train": (images[:count], labels[:count]), "validation": (images[count:], labels[count:])})
    failures = []

    def check(name, ok, detail):
        print(f"{'ok  ' if ok else 'FAIL'} {name}: {detail}")
        if not ok:
            failures.append(name)

    result = run(EXAMPLE, cache, epochs, 128)
    finals = [m for m in result["messages"] if m["type"] == "final"]
    curve = [(m["epoch"], m.get("valAccuracy"), round(m["images"] / max(m["seconds"], 1e-9))) for m in result["messages"] if m["type"] == "epoch"]
    check("example trainer", result["code"] == 0 and len(curve) == epochs and len(finals) == 1,
          f"exit {result['code']} in {result['seconds']:.1f} s, epochs (epoch, val accuracy, images/s) {curve}, final {finals}; "
          f"it said: {result['stdout'].strip().splitlines()[:1]}{'' if result['code'] == 0 else ' stderr: ' + result['stderr'][-800:]}")

    if cuda and not args.small:
        for name, source in (("oom raised", OOM_RAISED), ("oom caught", OOM_CAUGHT)):
            path = os.path.join(tmp, name.replace(" ", "_") + ".py")
            with open(path, "w") as f:
                f.write(source)
            result = run(path, cache, 1, 128)
            failure = [m for m in result["messages"] if m["type"] == "failure"]
            if name == "oom raised":
                check(name, result["code"] == 1 and len(failure) == 1 and failure[0]["outOfMemory"] is True,
                      f"exit {result['code']}, helper reported {json.dumps(failure)[:400]}")
            else:
                last = result["stderr"].strip().splitlines()[-1:] or [""]
                check(name, result["code"] == 1 and not failure and OUT_OF_MEMORY.search(result["stderr"]) is not None, f"exit {result['code']}, stderr {last[0][:300]!r}")

    pids = os.path.join(tmp, "pids")
    hang = os.path.join(tmp, "hang.py")
    with open(hang, "w") as f:
        f.write(HANG)
    result = run(hang, cache, 1, 128, env_extra={"PIDS": pids}, cancel_after=3)
    time.sleep(1)
    script, grandchild = map(int, open(pids).read().split())
    check("cancel kills the group", not alive(script) and not alive(grandchild), f"exit {result['code']}, script alive {alive(script)}, grandchild alive {alive(grandchild)}")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
