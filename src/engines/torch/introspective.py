"""WINN as a classifier, and FGSM robustness, for the torch trainer. The options and
their sources are documented in src/task/introspective.ts (the schema); the tfjs
engine implements the same procedure in src/engines/tfjs/introspective.ts.

WINN (Lee, Xu, Fan, Tu, CVPR 2018; the released code's supervised MNIST setting):
- the IR's classifier is trained with its softmax cross-entropy on real images, the
  recipe's optimiser, schedule, batches and augmentation, as in recipe.train;
- a linear critic f(x) = w . logits(x) + b on the logits (the code's "wass" head;
  Glorot-uniform w, zero b) adds criticWeight * (E f(fake) - E f(real) + lambda * GP),
  GP = E (||grad_x f(x_hat)||_2 - 1)^2 on x_hat = u * real + (1 - u) * fake, u ~ U(0, 1)
  per image. Each step is one training-mode forward over [real; fake; x_hat], the
  cross-entropy on the reals' logits: with batch normalisation, the classifier and the
  critic are then one function, and the running statistics that inference (synthesis,
  evaluation, FGSM) uses describe the batches that trained it. (Scoring fakes in
  inference mode instead lets the critic term alone shape the inference-mode network,
  and its validation accuracy fell to chance; the code's layer-norm network has no
  train/inference difference);
- pseudo-negatives ("fake"): a pool that starts as uniform noise over [0, 1] and
  receives synthesisPerEpoch new images after every epoch but the last; each batch
  pairs every real image with a pool image drawn uniformly;
- synthesis: Langevin steps x <- clip(x + (stepSize / 2) * grad_x g + noise * N(0, 1), 0, 1)
  on g = f(x) - classWeight * CE(logits(x), y), labels cycling over the classes, from
  fresh uniform noise, until the batch's mean critic score reaches a threshold drawn
  uniformly between the smallest and largest per-batch mean real score of the epoch,
  or synthesisSteps steps.
WINN steps run in float32 (no autocast): the penalty differentiates a gradient.

FGSM (Goodfellow et al., ICLR 2015): x' = clip(x + eps * sign(grad_x CE), 0, 1) on the
evaluation split, the network attacking itself, predictions made exactly as
recipe.evaluate makes them (same batches, autocast), so eps = 0 gives the clean accuracy.
"""
import math
import time

import numpy as np
import torch
import torch.nn.functional as F

import recipe as base


def _glorot_linear(features, device):
    critic = torch.nn.Linear(features, 1)
    bound = math.sqrt(6.0 / (features + 1))
    with torch.no_grad():
        critic.weight.uniform_(-bound, bound)
        critic.bias.zero_()
    return critic.to(device)


class Pool:
    """Pseudo-negatives, NCHW float32 in [0, 1]; the oldest go first when it is full."""

    def __init__(self, capacity, shape, device):
        self.images = torch.empty((capacity, *shape), dtype=torch.float32, device=device)
        self.capacity, self.size, self.next = capacity, 0, 0

    def add(self, images):
        for image_block in images.split(self.capacity):
            n = image_block.shape[0]
            end = self.next + n
            if end <= self.capacity:
                self.images[self.next:end] = image_block
            else:
                first = self.capacity - self.next
                self.images[self.next:] = image_block[:first]
                self.images[:n - first] = image_block[first:]
            self.next = end % self.capacity
            self.size = min(self.capacity, self.size + n)

    def sample(self, n, generator):
        idx = torch.randint(0, self.size, (n,), generator=generator, device=self.images.device)
        return self.images.index_select(0, idx)


class Introspection:
    """The critic, the pool and the WINN loss terms around one model."""

    def __init__(self, model, options, classes, shape, seed, device):
        self.model, self.options, self.classes, self.shape, self.device = model, options, classes, shape, device
        self.critic = _glorot_linear(classes, device.torch)
        self.generator = torch.Generator(device=device.torch)
        self.generator.manual_seed(int(seed) & 0xFFFFFFFF)
        self.pool = Pool(options["poolSize"], shape, device.torch)
        self.pool.add(self.noise(options["synthesisPerEpoch"]))
        self.last_round = None

    def noise(self, n):
        return torch.rand((n, *self.shape), generator=self.generator, device=self.device.torch)

    def score(self, x):
        """Critic scores and logits with the network in inference mode, float32 (synthesis)."""
        was_training = self.model.training
        self.model.eval()
        try:
            logits = self.model(x).float()
            return self.critic(logits).squeeze(1), logits
        finally:
            self.model.train(was_training)

    def forward(self, real):
        """One training-mode forward over [real; pseudo-negatives; points between], float32:
        (logits of the reals, E f(fake) - E f(real), gradient penalty, mean real score)."""
        n = real.shape[0]
        fake = self.pool.sample(n, self.generator)
        u = torch.rand((n, 1, 1, 1), generator=self.generator, device=real.device)
        between = (u * real.detach() + (1 - u) * fake).requires_grad_(True)
        logits = self.model(torch.cat([real.detach(), fake, between])).float()
        scores = self.critic(logits).squeeze(1)
        real_scores, fake_scores, between_scores = scores[:n], scores[n:2 * n], scores[2 * n:]
        grad = torch.autograd.grad(between_scores.sum(), between, create_graph=True)[0]
        # The small constant keeps the norm differentiable where a gradient is exactly zero (as the tfjs engine).
        norms = torch.sqrt(grad.flatten(1).pow(2).sum(1) + 1e-12)
        penalty = ((norms - 1) ** 2).mean()
        return logits[:n], fake_scores.mean() - real_scores.mean(), penalty, real_scores.mean()

    def synthesise(self, real_batch_scores, batch_size, cancelled):
        """One synthesis round into the pool; returns its statistics."""
        o = self.options
        lo, hi = min(real_batch_scores), max(real_batch_scores)
        starts, ends, steps_taken = [], [], []
        for start in range(0, o["synthesisPerEpoch"], batch_size):
            n = min(batch_size, o["synthesisPerEpoch"] - start)
            labels = torch.arange(start, start + n, device=self.device.torch) % self.classes
            threshold = lo + (hi - lo) * torch.rand((), generator=self.generator, device=self.device.torch).item()
            x = self.noise(n)
            steps = 0
            while True:
                if cancelled():
                    raise base.Cancelled()
                x.requires_grad_(True)
                scores, logits = self.score(x)
                mean = scores.mean().item()
                if steps == 0:
                    starts.append(mean)
                if mean >= threshold or steps == o["synthesisSteps"]:
                    ends.append(mean)
                    break
                # Per-image gradients: images are independent in inference mode, so the sum's gradient is each one's.
                objective = scores.sum() - o["classWeight"] * F.cross_entropy(logits, labels, reduction="sum")
                grad = torch.autograd.grad(objective, x)[0]
                with torch.no_grad():
                    x = x + (o["stepSize"] / 2) * grad
                    if o["noise"] > 0:
                        x = x + o["noise"] * torch.randn(x.shape, generator=self.generator, device=x.device)
                    x = x.clamp_(0.0, 1.0)
                steps += 1
            steps_taken.append(steps)
            self.pool.add(x.detach())
        self.last_round = {"winnSynthesisScoreStart": float(np.mean(starts)), "winnSynthesisScoreEnd": float(np.mean(ends)),
                           "winnSynthesisSteps": float(np.mean(steps_taken))}


def train(model, data, recipe, seed, device, cancelled=lambda: False, on_epoch=lambda record: None, evaluate_on="validation",
          should_continue=lambda record: True):
    """recipe.train with the WINN loss and synthesis; the outcome carries "extra" (WINN_METRICS in introspective.ts)."""
    options = recipe["introspective"]
    train_split, eval_split = data["train"], data[evaluate_on]
    table = base.pixel_table(device.torch)
    first = base.to_input(train_split.batch(train_split.indices(np.arange(1)))[0], table, device)
    shape = tuple(first.shape[1:])
    with torch.no_grad():
        model.eval()
        classes = model(first).shape[1]
        model.train()
    intro = Introspection(model, options, classes, shape, seed, device)
    optimizer = base.make_optimizer(torch.nn.ModuleList([model, intro.critic]), recipe)
    stream = base.Mulberry32(seed)
    batch_size = recipe["batchSize"]
    weight, penalty_weight = options["criticWeight"], options["gradientPenalty"]
    curve, train_seconds, eval_seconds, images_seen = [], 0.0, 0.0, 0
    epoch_stats = {}
    model.train()
    for epoch in range(recipe["epochs"]):
        lr = base.learning_rate_at(recipe, epoch)
        for group in optimizer.param_groups:
            group["lr"] = lr
        started = time.perf_counter()
        order = train_split.indices(base.epoch_order(train_split.count, seed, epoch))
        draws = base.augmentation_draws(stream, recipe["augmentation"], train_split.count)
        if draws is not None:
            draws = [torch.from_numpy(a).to(device.torch) for a in draws]
        loss_sum, correct, seen = 0.0, 0, 0
        real_scores, gaps, penalties = [], [], []
        for start in range(0, train_split.count, batch_size):
            if cancelled():
                raise base.Cancelled()
            images, labels = train_split.batch(order[start:start + batch_size])
            n = images.shape[0]
            if draws is not None:
                images = base.shift_images(images, *(d[start:start + batch_size] for d in draws))
            x = base.to_input(images, table, device)
            logits, negative_distance, penalty, real_score = intro.forward(x)
            cross_entropy = F.cross_entropy(logits, labels)
            loss = cross_entropy + weight * (negative_distance + penalty_weight * penalty)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            total = loss.item()
            if not math.isfinite(total):
                seconds = time.perf_counter() - started
                curve.append({"epoch": epoch + 1, "loss": total, "trainAccuracy": correct / seen if seen else 0.0,
                              "valAccuracy": float("nan"), "learningRate": lr, "seconds": seconds})
                return {"status": "diverged", "accuracy": None, "curve": curve, "trainSeconds": train_seconds,
                        "evalSeconds": eval_seconds, "imagesPerSecond": None,
                        "error": f"loss became {base._js_number(total)} in epoch {epoch + 1}"}
            loss_sum += cross_entropy.item() * n
            correct += int((logits.detach().argmax(1) == labels).sum().item())
            seen += n
            real_scores.append(real_score.item())
            gaps.append(-negative_distance.item())
            penalties.append(penalty.item())
        if epoch + 1 < recipe["epochs"]:
            intro.synthesise(real_scores, batch_size, cancelled)
        epoch_stats = {"winnWassersteinEstimate": float(np.mean(gaps)), "winnGradientPenalty": float(np.mean(penalties))}
        images_seen += seen
        epoch_seconds = time.perf_counter() - started
        train_seconds += epoch_seconds
        eval_started = time.perf_counter()
        accuracy = base.evaluate(model, eval_split, table, device, max(batch_size, base.EVAL_BATCH))
        eval_seconds += time.perf_counter() - eval_started
        record = {"epoch": epoch + 1, "loss": loss_sum / max(seen, 1), "trainAccuracy": correct / max(seen, 1),
                  "valAccuracy": accuracy, "learningRate": lr, "seconds": epoch_seconds}
        curve.append(record)
        on_epoch({**record, "epochs": recipe["epochs"], "imagesPerSecond": seen / max(epoch_seconds, 1e-9)})
        if epoch + 1 < recipe["epochs"] and not should_continue(record):
            break
    extra = {**epoch_stats, **(intro.last_round or {}), "winnPoolSize": float(intro.pool.size)}
    status = "ok" if len(curve) == recipe["epochs"] else "pruned"
    return {**base.ended(status, curve, train_seconds, eval_seconds, images_seen), "extra": extra}


def fgsm_accuracies(model, split, epsilons, batch_size, device):
    """Accuracy on `split` under FGSM at each eps, in order."""
    table = base.pixel_table(device.torch)
    correct = [torch.zeros((), dtype=torch.int64, device=device.torch) for _ in epsilons]
    order = split.indices(np.arange(split.count))
    model.eval()
    try:
        for start in range(0, split.count, batch_size):
            images, labels = split.batch(order[start:start + batch_size])
            x = base.to_input(images, table, device)
            probe = x.detach().clone().requires_grad_(True)
            loss = F.cross_entropy(model(probe).float(), labels)
            sign = torch.nan_to_num(torch.autograd.grad(loss, probe)[0]).sign()
            with torch.no_grad(), device.autocast():
                for i, eps in enumerate(epsilons):
                    correct[i] += (model((x + eps * sign).clamp(0.0, 1.0)).argmax(1) == labels).sum()
    finally:
        model.train()
    return [c.item() / split.count if split.count else 0.0 for c in correct]


def add_robustness(outcome, model, split, recipe, device):
    """Adds "fgsmAccuracies" (aligned with recipe.robustness.fgsmEpsilons) to an ok outcome. Not timed into
    evalSeconds, which counts the per-epoch evaluations in both engines."""
    robustness = recipe.get("robustness")
    if not robustness or outcome.get("status") != "ok":
        return outcome
    outcome["fgsmAccuracies"] = fgsm_accuracies(model, split, robustness["fgsmEpsilons"],
                                                max(recipe["batchSize"], base.EVAL_BATCH), device)
    return outcome
