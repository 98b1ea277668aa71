"""bench/gpu/claim.sh: runs the final trainings of `blockqnn bench claim --emit-jobs DIR` with python3, torch
and numpy only (no Node, no Redis), for a short device session. DIR holds jobs.json (one request of the torch
trainer's own protocol per training, src/engines/torch/README.md), the generated modules and the decoded-dataset
cache; each job goes to the torch engine's own trainer (src/engines/torch/trainer.py), exactly as a worker slot
sends it, so the numbers are the engine's. --slots K trainer processes share the GPU (as
`blockqnn worker --slots-per-gpu K`), each told its share (BLOCKQNN_TORCH_SLOTS_PER_GPU).

The results file (--out, default DIR/results.json) is rewritten after every finished job, so a session cut short
keeps what finished; run again with the same --out and the jobs already in it are skipped. Read it back with
`blockqnn bench claim --scale SCALE --db DB --import-results FILE` on the machine that wrote the jobs.
"""
import argparse
import json
import os
import queue
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
TRAINER = os.path.join(ROOT, "src", "engines", "torch", "trainer.py")
RESULTS_FORMAT = "blockqnn-claim-results/1"
JOBS_FORMAT = "blockqnn-claim-jobs/1"


def say(text):
    print(text, file=sys.stderr, flush=True)


def device_name():
    try:
        import torch
        if torch.cuda.is_available():
            return f"{torch.cuda.get_device_name(0)} (torch {torch.__version__})"
        return f"cpu (torch {torch.__version__})"
    except ImportError:
        return "unknown"


class Trainer:
    """One trainer process; jobs one at a time over its JSON-lines protocol."""

    def __init__(self, env, index):
        self.index = index
        self.proc = subprocess.Popen([sys.executable, "-B", "-u", TRAINER], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     env=env, text=True, bufsize=1)
        line = self.proc.stdout.readline()
        ready = json.loads(line) if line else None
        if not ready or ready.get("type") != "ready":
            raise SystemExit(f"trainer {index} did not start: {line!r}")
        self.description = ready.get("deviceDescription")

    def run(self, request):
        self.proc.stdin.write(json.dumps(request) + "\n")
        self.proc.stdin.flush()
        for line in self.proc.stdout:
            message = json.loads(line)
            if message.get("id") != request["id"]:
                continue
            if message["type"] == "progress":
                say(f"  slot {self.index} {request['id']}: epoch {message['epoch']}/{message['epochs']} "
                    f"test accuracy {message.get('valAccuracy')}")
            elif message["type"] in ("result", "error"):
                return message
        raise SystemExit(f"trainer {self.index} exited with code {self.proc.wait()} during {request['id']}")

    def close(self):
        try:
            self.proc.stdin.write(json.dumps({"type": "shutdown"}) + "\n")
            self.proc.stdin.close()
            self.proc.wait(timeout=30)
        except (subprocess.TimeoutExpired, OSError, ValueError):
            self.proc.kill()


def absolute(request, folder):
    """The request with its module and dataset paths made absolute (jobs.json keeps them relative to DIR)."""
    r = dict(request)
    r["module"] = {"path": os.path.join(folder, request["module"]["path"])}
    r["dataset"] = {**request["dataset"], "path": os.path.join(folder, request["dataset"]["path"])}
    return r


def as_result(key, message):
    if message["type"] == "error":
        return {"key": key, "status": "failed", "error": message.get("message", "trainer error")[:10000]}
    return {"key": key, "status": message["status"], "accuracy": message.get("accuracy"), "curve": message.get("curve"),
            "trainSeconds": message.get("trainSeconds"), "evalSeconds": message.get("evalSeconds"), "error": message.get("error")}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("dir", help="the folder --emit-jobs wrote")
    parser.add_argument("--out", help="results file (default DIR/results.json)")
    parser.add_argument("--slots", type=int, default=4, help="trainer processes sharing the GPU (default 4)")
    parser.add_argument("--limit", type=int, help="run at most this many jobs (a smoke run)")
    args = parser.parse_args(argv)
    folder = os.path.abspath(args.dir)
    with open(os.path.join(folder, "jobs.json"), encoding="utf-8") as f:
        manifest = json.load(f)
    if manifest.get("format") != JOBS_FORMAT:
        raise SystemExit(f"{folder}/jobs.json is not a jobs file of blockqnn bench claim --emit-jobs ({JOBS_FORMAT})")
    out = args.out or os.path.join(folder, "results.json")
    done = {}
    if os.path.exists(out):
        with open(out, encoding="utf-8") as f:
            done = {r["key"]: r for r in json.load(f)["results"] if r["status"] == "ok"}
    todo = [j for j in manifest["jobs"] if j["key"] not in done][: args.limit]
    say(f"{len(manifest['jobs'])} job(s), {len(done)} already in {out}, {len(todo)} to run on {args.slots} slot(s)")
    device = device_name()
    lock = threading.Lock()
    results = dict(done)

    def save():
        body = {"format": RESULTS_FORMAT, "scale": manifest["scale"], "searchRunId": manifest["searchRunId"], "device": device,
                "results": list(results.values())}
        tmp = out + ".tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(body, f, indent=1)
        os.replace(tmp, out)

    jobs = queue.Queue()
    for job in todo:
        jobs.put(job)

    def slot(index):
        env = {**os.environ, "BLOCKQNN_TORCH_SLOTS_PER_GPU": str(args.slots)}
        trainer = Trainer(env, index)
        try:
            while True:
                try:
                    job = jobs.get_nowait()
                except queue.Empty:
                    return
                started = time.perf_counter()
                message = trainer.run(absolute(job["request"], folder))
                result = as_result(job["key"], message)
                with lock:
                    results[job["key"]] = result
                    save()
                say(f"{job['key']}: {result['status']} accuracy {result.get('accuracy')} ({time.perf_counter() - started:.0f} s)")
        finally:
            trainer.close()

    threads = [threading.Thread(target=slot, args=(i,)) for i in range(max(1, min(args.slots, len(todo))))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    save()
    say(f"results: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
