"""blockqnn's generative procedures in PyTorch (issue #9, Part C): one process per job.

    python3 generative.py     stdin: one JSON request; stdout: JSON lines (progress..., then one result)

The request (built by generative.ts beside this file):
    {"procedure", "problem", "seed", "recipe" (src/task/image2image/schema.ts's generativeRecipeSchema),
     "examples": path of a .bqds file with arrays "train.<name>" / "eval.<name>" (uint8, N first),
     "channels": C, "domains": K, "labelSets": M (stargan's mask vector when 2), "outDir": where the outputs go,
     "roles": {role: {"source": generated module, "className", "expectedParams"}}}
Lines on stdout:
    {"type": "progress", "epoch", "epochs", "losses": {term: mean over the epoch's steps}, "seconds"}
    {"type": "result", "status": "ok" | "diverged" | "too_large" | "failed", "curve": [{"epoch", "losses", "seconds"}],
     "trainSeconds", "outputs": {name: {"file", "shape"}}, "error"?}
Outputs are float32 little-endian raw files, NHWC, values in [0, 1], one per name of the
problem (PROBLEM_OUTPUTS in schema.ts), computed on the eval split (synthesis: recipe.samples).
stdout carries nothing else (file descriptor 1 points at stderr, as in trainer.py).

Conventions shared with the tfjs engine (src/engines/tfjs/generative/):
- pixels in [0, 1] (byte * (1/255)); networks take NCHW here, conditions concatenated as
  channels in the order the role documents (src/search-space/baselines/generative/builders.ts);
  a domain or style label becomes its one-hot vector tiled over the image;
- every network: tfjs's Glorot-uniform initialisation (recipe.initialise_like_tfjs), its own Adam
  (recipe learningRate, beta1, beta2, eps 1e-7, tfjs's); batches in recipe.epoch_order, the
  last one partial; BCE = binary cross-entropy with logits; L1 = mean absolute error;
- each step first updates the discriminator(s) on the generators' outputs (detached), then the
  generator(s) against the updated discriminator(s); the curve records each term's mean per epoch;
- any non-finite loss term stops the job as "diverged", naming the term and the epoch;
- outputs are computed with every network in inference mode (batch-norm running statistics).

Procedures (λ = recipe.lambda):
- pix2pix: D: (BCE(D(x, y), 1) + BCE(D(x, G(x)), 0)) / 2; G: BCE(D(x, G(x)), 1) + λ.l1 · L1(G(x), y).
  amodal: G's last channel is the full-mask logit; G's loss adds λ.l1 · BCE(logit, fullMask) (the
  mask's reconstruction term, weighted as the image's) and D sees the mask as a probability.
  translation: x = (source, one-hot target domain); cycle output = G(G(x), one-hot source domain).
  style: two paired maps, apply G(plain, reference) → styled with D(plain, reference, ·), and
  remove F(styled) → plain with removerDiscriminator(styled, ·), their losses summed.
- segan: on the crop around the object (the crop* arrays generative.ts adds, src/task/image2image/object-crop.ts;
  the mask and image outputs are crops, pasted back into the frame on the TypeScript side).
  segmentor S(occluded, visible) with BCE(S, fullMask); generator G(fused) with fused the paper's picture
  of m = σ(S) detached: v·image (grey repeated to RGB) + (1 − v)·(m·red + (1 − m)·blue);
  λ.l1 · L1(G, full) (plain L1 over the crop, not the paper's weighting of the invisible region)
  + BCE(D(G, m), 1); D on (image, predicted mask): real (full, m) vs fake (G, m), so it judges the
  painting, not the mask. Outputs: mask σ(S), image G(fused).
- stargan: WGAN-GP. D's channel 0 is the patch critic, channels 1..K averaged over space the
  domain logits. D: −E D_src(x) + E D_src(G(x, t)) + λ.cls · CE(D_cls(x), s) + λ.gp · GP;
  G (every recipe.criticSteps-th step, as StarGAN's n_critic): −E D_src(G(x, t)) +
  λ.cls · CE(D_cls(G(x, t)), t) + λ.rec · L1(G(G(x, t), s), x). GP = E (‖∇ D_src‖₂ − 1)² at
  u·x + (1 − u)·G(x, t), u ~ U(0, 1) per image, the gradient of the patch map's sum.
  Two label sets ("labelSets": 2, the task's secondDataset): t and s are one-hot over all K domains (zero
  on the other set's), G also reads the mask vector (one-hot over the sets, tiled), and both CE terms
  are taken within the example's own set (stargan_ce), so only the known labels are classified.
- paired-cyclegan: G(plain, reference) → styled, F(styled) → plain. x = plain, y_B = reference.
  styleDiscriminator on (y_B, styled) real (the paper's warped positives) vs (y_B, G(x, y_B)) fake;
  discriminator on x real vs F(y_B) fake; both BCE, halved. G and F together, unpaired as the paper:
  BCE(Ds(y_B, G(x, y_B)), 1) + BCE(Dp(F(y_B)), 1) + λ.rec · (L1(F(G(x, y_B)), x) [identity, "cycle"]
  + L1(G(F(y_B), G(x, y_B)), y_B) [style]); recipe.pairedCycleGan.pairedL1 adds
  λ.l1 · (L1(G(x, y_B), styled) + L1(F(styled), x)) ["l1"]. recipe.pairedCycleGan.regions: the paper's
  per-region generators, each edit m · (generator | remover)(·) + (1 − m) · (backgroundGenerator |
  backgroundRemover)(·), m the edited image's mask (plainRegion for x, styled, G(x, y_B); referenceRegion
  for y_B, F(y_B)).
- vunet: self-reconstruction, as the paper: x = appearance, y = appearanceShape (x's own mask);
  [μ, log σ²] = E(x), z = μ + exp(log σ² / 2)·ε, ε ~ N(0, I); G(y, z tiled) (z joins at the U-Net's
  bottleneck inside the network); loss λ.l1 · L1(G, x) + λ.kl · KL, KL = mean over the batch of
  ½ Σ (μ² + σ² − 1 − log σ²). Outputs use z = μ(E(appearance)): image = G(shape of A, z) (transfer),
  reconstruction = G(appearanceShape, z), prior = G(shape of A, z ~ N(0, I)).
- winn-synthesis: recipe.samples chains start as the paper's Gaussian noise, N(0.5, 0.5²) clipped
  to [0, 1] (N(0, 1) on the paper's [-1, 1] pixels), or U(0, 1) with langevin.start 'uniform'.
  The pseudo-negative pool accumulates: the starting noise and every round's chains. Each epoch
  trains the critic on every batch of real images against as many pool images (drawn uniformly
  from every round): E f(negative) − E f(real) + λ.gp · GP (GP as stargan's); then moves the
  chains by recipe.langevin.steps Langevin steps x ← clip(x + (stepSize / 2)·∇f(x) +
  noise·N(0, 1), 0, 1) from where they were, and adds them to the pool as a new round.
  Outputs: the chains after the last round.
"""
import json
import linecache
import math
import os
import sys
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.normpath(os.path.join(HERE, "..", "..", "datasets")))

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

import dataset_cache  # noqa: E402
import recipe as base  # noqa: E402

EVAL_BATCH = 256


class Diverged(Exception):
    """A non-finite loss term (or output): the job ends as "diverged" with this message."""

    @staticmethod
    def loss(term, value, epoch):
        return Diverged(f"loss {term} became {base._js_number(value)} in epoch {epoch}")


class Channel:
    """stdout for protocol lines only (trainer.py's trick: fd 1 points at stderr)."""

    def __init__(self):
        fd = os.dup(1)
        os.dup2(2, 1)
        sys.stdout = sys.stderr
        self._out = os.fdopen(fd, "w", encoding="utf-8")

    def send(self, message):
        self._out.write(json.dumps(message, allow_nan=False, separators=(",", ":")) + "\n")
        self._out.flush()


def _finite_or_none(x):
    return x if math.isfinite(x) else None


def load_class(spec, role):
    filename = f"<blockqnn generative {role}>"
    source = spec["source"]
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    namespace = {"__name__": f"blockqnn_{role}"}
    exec(compile(source, filename, "exec"), namespace)
    return namespace[spec.get("className", "Network")]


class Split:
    """One split's arrays on the device: images as NCHW float32 in [0, 1], labels as int64."""

    def __init__(self, arrays, prefix, table, device):
        self.x = {}
        self.count = None
        for name, a in arrays.items():
            if not name.startswith(prefix):
                continue
            key = name[len(prefix):]
            t = torch.from_numpy(np.ascontiguousarray(a)).to(device)
            self.x[key] = table[t.long()].permute(0, 3, 1, 2).contiguous() if t.dim() == 4 else t.long()
            self.count = t.shape[0]

    def batch(self, idx):
        return {k: v.index_select(0, idx) for k, v in self.x.items()}


class Terms:
    """Per-epoch means of the loss terms; raises Diverged on the first non-finite one."""

    def __init__(self, epoch):
        self.epoch, self.sums, self.counts = epoch, {}, {}

    def add(self, **terms):
        for name, value in terms.items():
            v = float(value.detach().item()) if torch.is_tensor(value) else float(value)
            if not math.isfinite(v):
                raise Diverged.loss(name, v, self.epoch)
            self.sums[name] = self.sums.get(name, 0.0) + v
            self.counts[name] = self.counts.get(name, 0) + 1

    def means(self):
        return {k: self.sums[k] / self.counts[k] for k in self.sums}


def bce(logits, value):
    return F.binary_cross_entropy_with_logits(logits, torch.full_like(logits, value))


def l1(a, b):
    return (a - b).abs().mean()


def tiled(labels, k, size):
    return F.one_hot(labels, k).float()[:, :, None, None].expand(-1, -1, size, size)


def gradient_penalty(critic, real, fake, generator):
    u = torch.rand((real.shape[0], 1, 1, 1), generator=generator, device=real.device)
    x = (u * real.detach() + (1 - u) * fake.detach()).requires_grad_(True)
    grad = torch.autograd.grad(critic(x).sum(), x, create_graph=True)[0]
    # The small constant keeps the norm differentiable at a zero gradient (introspective.py does the same).
    return ((torch.sqrt(grad.flatten(1).pow(2).sum(1) + 1e-12) - 1) ** 2).mean()


class Job:
    def __init__(self, request, device):
        self.request, self.device = request, device
        self.recipe = request["recipe"]
        self.lam = self.recipe["lambda"]
        self.problem, self.procedure = request["problem"], request["procedure"]
        self.c, self.k = int(request["channels"]), int(request["domains"])
        self.seed = int(request["seed"])
        torch.manual_seed(self.seed & 0xFFFFFFFF)
        self.nets = {}
        # Sorted, so the same seed initialises the same role with the same numbers.
        for role in sorted(request["roles"]):
            spec = request["roles"][role]
            net = load_class(spec, role)()
            base.initialise_like_tfjs(net)
            params = sum(p.numel() for p in net.parameters())
            if spec.get("expectedParams") is not None and params != spec["expectedParams"]:
                raise AssertionError(f"role {role}: the generated module has {params} parameters, the IR counts {spec['expectedParams']}")
            self.nets[role] = net.to(device)
        self.noise = torch.Generator(device=device)
        self.noise.manual_seed(self.seed & 0xFFFFFFFF)
        table = base.pixel_table(device)
        _, arrays = dataset_cache.load(request["examples"])
        self.train_split = Split(arrays, "train.", table, device)
        self.eval_split = Split(arrays, "eval.", table, device)
        self.size = next(v for v in self.train_split.x.values() if v.dim() == 4).shape[-1]

    def adam(self, *roles):
        params = [p for r in roles for p in self.nets[r].parameters()]
        r = self.recipe
        return torch.optim.Adam(params, lr=r["learningRate"], betas=(r["beta1"], r["beta2"]), eps=1e-7)

    def set_mode(self, training):
        for net in self.nets.values():
            net.train(training)

    def batches(self, epoch):
        order = torch.from_numpy(base.epoch_order(self.train_split.count, self.seed, epoch)).to(self.device)
        bs = self.recipe["batchSize"]
        for start in range(0, self.train_split.count, bs):
            yield self.train_split.batch(order[start:start + bs])

    def eval_outputs(self, compute):
        """compute(batch) → {name: NCHW tensor}; concatenated over the eval split in batches."""
        self.set_mode(False)
        parts = {}
        with torch.no_grad():
            idx = torch.arange(self.eval_split.count, device=self.device)
            for start in range(0, self.eval_split.count, EVAL_BATCH):
                for name, value in compute(self.eval_split.batch(idx[start:start + EVAL_BATCH])).items():
                    parts.setdefault(name, []).append(value.float())
        return {name: torch.cat(values) for name, values in parts.items()}


# ---- pix2pix ---------------------------------------------------------------------------------

def pix2pix_maps(job, b):
    """(generator, discriminator, input, real target, image channels) of each paired map in a batch."""
    p, c = job.problem, job.c
    if p == "amodal-completion":
        return [("generator", "discriminator", torch.cat([b["occluded"], b["visible"]], 1), torch.cat([b["full"], b["fullMask"]], 1))]
    if p == "domain-translation":
        return [("generator", "discriminator", torch.cat([b["source"], tiled(b["targetDomain"], job.k, job.size)], 1), b["target"])]
    if p == "style-transfer":
        return [("generator", "discriminator", torch.cat([b["plain"], b["reference"]], 1), b["styled"]),
                ("remover", "removerDiscriminator", b["styled"], b["plain"])]
    if p == "shape-guided":
        return [("generator", "discriminator", torch.cat([b["shape"], b["appearance"]], 1), b["target"])]
    raise ValueError(f"pix2pix does not solve {p}")


def pix2pix_candidate(job, raw):
    """The generator's raw output → (what D sees, image part, mask logit or None)."""
    if job.problem == "amodal-completion":
        image, logit = raw[:, :job.c], raw[:, job.c:]
        return torch.cat([image, torch.sigmoid(logit)], 1), image, logit
    return raw, raw, None


def train_pix2pix(job, epoch, terms):
    if epoch == 0:
        style = job.problem == "style-transfer"
        job.opt_g = job.adam("generator", *(["remover"] if style else []))
        job.opt_d = job.adam("discriminator", *(["removerDiscriminator"] if style else []))
    for b in job.batches(epoch):
        maps = pix2pix_maps(job, b)
        fakes = [pix2pix_candidate(job, job.nets[g](x)) for g, _, x, _ in maps]
        loss_d = 0
        for (g, d, x, real), (cand, _, _) in zip(maps, fakes):
            D = job.nets[d]
            loss_d = loss_d + 0.5 * (bce(D(torch.cat([x, real], 1)), 1.0) + bce(D(torch.cat([x, cand.detach()], 1)), 0.0))
        job.opt_d.zero_grad(set_to_none=True)
        loss_d.backward()
        job.opt_d.step()
        adv, rec, mask = 0, 0, 0
        for (g, d, x, real), (cand, image, logit) in zip(maps, fakes):
            adv = adv + bce(job.nets[d](torch.cat([x, cand], 1)), 1.0)
            rec = rec + l1(image, real[:, :job.c])
            if logit is not None:
                mask = mask + F.binary_cross_entropy_with_logits(logit, real[:, job.c:])
        loss_g = adv + job.lam["l1"] * (rec + mask)
        job.opt_g.zero_grad(set_to_none=True)
        loss_g.backward()
        job.opt_g.step()
        terms.add(d=loss_d, adv=adv, l1=rec, **({"mask": mask} if job.problem == "amodal-completion" else {}))


def outputs_pix2pix(job):
    G = job.nets["generator"]
    p = job.problem

    def compute(b):
        if p == "amodal-completion":
            raw = G(torch.cat([b["occluded"], b["visible"]], 1))
            return {"mask": torch.sigmoid(raw[:, job.c:]), "image": raw[:, :job.c]}
        if p == "domain-translation":
            image = G(torch.cat([b["source"], tiled(b["targetDomain"], job.k, job.size)], 1))
            return {"image": image, "cycle": G(torch.cat([image, tiled(b["sourceDomain"], job.k, job.size)], 1))}
        if p == "style-transfer":
            return {"applied": G(torch.cat([b["plain"], b["reference"]], 1)), "removed": job.nets["remover"](b["styled"])}
        return {"image": G(torch.cat([b["shape"], b["appearance"]], 1))}
    return job.eval_outputs(compute)


# ---- SeGAN -----------------------------------------------------------------------------------

def segan_fused(image, visible, mask):
    """SeGAN's fused picture [n, 3, S, S]: visible pixels of the image (grey repeated to RGB), red where the
    full-mask probability says object, blue elsewhere: v·image + (1 − v)·(m·red + (1 − m)·blue)."""
    rgb = image.expand(-1, 3, -1, -1) if image.shape[1] == 1 else image
    painted = torch.cat([mask, torch.zeros_like(mask), 1 - mask], 1)
    return visible * rgb + (1 - visible) * painted


def train_segan(job, epoch, terms):
    S, G, D = job.nets["segmentor"], job.nets["generator"], job.nets["discriminator"]
    if epoch == 0:
        job.opt_s, job.opt_g, job.opt_d = job.adam("segmentor"), job.adam("generator"), job.adam("discriminator")
    for b in job.batches(epoch):
        occluded, visible, full = b["cropOccluded"], b["cropVisible"], b["cropFull"]
        logit = S(torch.cat([occluded, visible], 1))
        seg = F.binary_cross_entropy_with_logits(logit, b["cropFullMask"])
        job.opt_s.zero_grad(set_to_none=True)
        seg.backward()
        job.opt_s.step()
        m = torch.sigmoid(logit.detach())
        fake = G(segan_fused(occluded, visible, m))
        loss_d = 0.5 * (bce(D(torch.cat([full, m], 1)), 1.0) + bce(D(torch.cat([fake.detach(), m], 1)), 0.0))
        job.opt_d.zero_grad(set_to_none=True)
        loss_d.backward()
        job.opt_d.step()
        adv, rec = bce(D(torch.cat([fake, m], 1)), 1.0), l1(fake, full)
        loss_g = adv + job.lam["l1"] * rec
        job.opt_g.zero_grad(set_to_none=True)
        loss_g.backward()
        job.opt_g.step()
        terms.add(seg=seg, d=loss_d, adv=adv, l1=rec)


def outputs_segan(job):
    S, G = job.nets["segmentor"], job.nets["generator"]

    def compute(b):
        occluded, visible = b["cropOccluded"], b["cropVisible"]
        m = torch.sigmoid(S(torch.cat([occluded, visible], 1)))
        return {"mask": m, "image": G(segan_fused(occluded, visible, m))}
    return job.eval_outputs(compute)


# ---- StarGAN ---------------------------------------------------------------------------------

def stargan_heads(D, x):
    out = D(x)
    return out[:, :1], out[:, 1:].mean((2, 3))


def stargan_sets(job):
    """M, the label sets of the examples (2 with the task's secondDataset: StarGAN's mask vector)."""
    return int(job.request.get("labelSets", 1))


def stargan_condition(job, domains, label_set):
    """G's condition channels: the domain one-hot over all K (zero on the other set's entries), and with
    several label sets the mask vector, one-hot over the sets, naming the example's own."""
    k, size, sets = job.k, job.size, stargan_sets(job)
    parts = [tiled(domains, k, size)]
    if sets > 1:
        parts.append(tiled(label_set, sets, size))
    return torch.cat(parts, 1)


def stargan_ce(job, logits, labels):
    """CE within each example's own label set: the K logits are M equal groups softmaxed on their own, so
    only the known set's logits get a gradient (the paper's multi-dataset classification loss)."""
    sets = stargan_sets(job)
    if sets <= 1:
        return F.cross_entropy(logits, labels)
    n = logits.shape[0]
    log_probs = F.log_softmax(logits.view(n, sets, job.k // sets), -1).view(n, job.k)
    return -(F.one_hot(labels, job.k).float() * log_probs).sum(1).mean()


def stargan_label_sets(job, b):
    return b["labelSet"] if stargan_sets(job) > 1 else torch.zeros_like(b["sourceDomain"])


def train_stargan(job, epoch, terms):
    G, D = job.nets["generator"], job.nets["discriminator"]
    if epoch == 0:
        job.opt_g, job.opt_d, job.step = job.adam("generator"), job.adam("discriminator"), 0
    for b in job.batches(epoch):
        x, s, t = b["source"], b["sourceDomain"], b["targetDomain"]
        m = stargan_label_sets(job, b)
        fake = G(torch.cat([x, stargan_condition(job, t, m)], 1))
        src_real, cls_real = stargan_heads(D, x)
        src_fake, _ = stargan_heads(D, fake.detach())
        gp = gradient_penalty(lambda y: D(y)[:, :1], x, fake, job.noise)
        d_cls = stargan_ce(job, cls_real, s)
        loss_d = -src_real.mean() + src_fake.mean() + job.lam["cls"] * d_cls + job.lam["gp"] * gp
        job.opt_d.zero_grad(set_to_none=True)
        loss_d.backward()
        job.opt_d.step()
        terms.add(d=loss_d, d_cls=d_cls, gp=gp)
        job.step += 1
        if job.step % job.recipe["criticSteps"] != 0:
            continue
        src, cls = stargan_heads(D, fake)
        g_cls = stargan_ce(job, cls, t)
        rec = l1(G(torch.cat([fake, stargan_condition(job, s, m)], 1)), x)
        loss_g = -src.mean() + job.lam["cls"] * g_cls + job.lam["rec"] * rec
        job.opt_g.zero_grad(set_to_none=True)
        loss_g.backward()
        job.opt_g.step()
        terms.add(g=loss_g, g_cls=g_cls, rec=rec)


def outputs_stargan(job):
    G = job.nets["generator"]

    def compute(b):
        m = stargan_label_sets(job, b)
        image = G(torch.cat([b["source"], stargan_condition(job, b["targetDomain"], m)], 1))
        return {"image": image, "cycle": G(torch.cat([image, stargan_condition(job, b["sourceDomain"], m)], 1))}
    return job.eval_outputs(compute)


# ---- PairedCycleGAN --------------------------------------------------------------------------

def paired_cyclegan_editors(job):
    """(apply(image, reference, mask), remove(image, mask)): with recipe.pairedCycleGan.regions each edit is
    mask * object role + (1 - mask) * background role (the paper's per-region generators), else the single role."""
    G, Fr = job.nets["generator"], job.nets["remover"]
    Gb, Fb = job.nets.get("backgroundGenerator"), job.nets.get("backgroundRemover")

    def edit(obj, bg, x, mask):
        return obj(x) if bg is None or mask is None else mask * obj(x) + (1 - mask) * bg(x)
    return (lambda image, ref, mask: edit(G, Gb, torch.cat([image, ref], 1), mask)), (lambda image, mask: edit(Fr, Fb, image, mask))


def paired_cyclegan_masks(job, b):
    """Region masks of the batch's plain (= styled) and reference images, or (None, None) without regions."""
    if not job.recipe["pairedCycleGan"]["regions"]:
        return None, None
    return b["plainRegion"], b["referenceRegion"]


def train_paired_cyclegan(job, epoch, terms):
    """PairedCycleGAN's losses (see the module docstring; tfjs: src/engines/tfjs/generative/paired-cyclegan.ts)."""
    Ds, Dp = job.nets["styleDiscriminator"], job.nets["discriminator"]
    paired = job.recipe["pairedCycleGan"]["pairedL1"]
    apply, remove = paired_cyclegan_editors(job)
    if epoch == 0:
        editors = [r for r in ("generator", "remover", "backgroundGenerator", "backgroundRemover") if r in job.nets]
        job.opt_g, job.opt_d = job.adam(*editors), job.adam("styleDiscriminator", "discriminator")
    for b in job.batches(epoch):
        x, ref, styled = b["plain"], b["reference"], b["styled"]
        m_x, m_ref = paired_cyclegan_masks(job, b)
        applied = apply(x, ref, m_x)
        removed = remove(ref, m_ref)
        d_style = 0.5 * (bce(Ds(torch.cat([ref, styled], 1)), 1.0) + bce(Ds(torch.cat([ref, applied.detach()], 1)), 0.0))
        d_plain = 0.5 * (bce(Dp(x), 1.0) + bce(Dp(removed.detach()), 0.0))
        job.opt_d.zero_grad(set_to_none=True)
        (d_style + d_plain).backward()
        job.opt_d.step()
        adv = bce(Ds(torch.cat([ref, applied], 1)), 1.0) + bce(Dp(removed), 1.0)
        cycle = l1(remove(applied, m_x), x)
        style = l1(apply(removed, applied, m_ref), ref)
        loss_g = adv + job.lam["rec"] * (cycle + style)
        extra = {}
        if paired:
            extra["l1"] = l1(applied, styled) + l1(remove(styled, m_x), x)
            loss_g = loss_g + job.lam["l1"] * extra["l1"]
        job.opt_g.zero_grad(set_to_none=True)
        loss_g.backward()
        job.opt_g.step()
        terms.add(d_style=d_style, d_plain=d_plain, adv=adv, cycle=cycle, style=style, **extra)


def outputs_paired_cyclegan(job):
    apply, remove = paired_cyclegan_editors(job)

    def compute(b):
        m_x, _ = paired_cyclegan_masks(job, b)
        return {"applied": apply(b["plain"], b["reference"], m_x), "removed": remove(b["styled"], m_x)}
    return job.eval_outputs(compute)


# ---- Variational U-Net -----------------------------------------------------------------------

def vunet_generate(job, shape, z):
    return job.nets["generator"](torch.cat([shape, z[:, :, None, None].expand(-1, -1, job.size, job.size)], 1))


def train_vunet(job, epoch, terms):
    """Self-reconstruction of the appearance image from its own shape (tfjs: src/engines/tfjs/generative/vunet.ts)."""
    E = job.nets["encoder"]
    if epoch == 0:
        job.opt = job.adam("encoder", "generator")
    for b in job.batches(epoch):
        x = b["appearance"]
        moments = E(x)
        z_size = moments.shape[1] // 2
        mu, logvar = moments[:, :z_size], moments[:, z_size:]
        eps = torch.randn(mu.shape, generator=job.noise, device=mu.device)
        z = mu + torch.exp(0.5 * logvar) * eps
        rec = l1(vunet_generate(job, b["appearanceShape"], z), x)
        kl = (0.5 * (mu.pow(2) + logvar.exp() - 1 - logvar).sum(1)).mean()
        loss = job.lam["l1"] * rec + job.lam["kl"] * kl
        job.opt.zero_grad(set_to_none=True)
        loss.backward()
        job.opt.step()
        terms.add(loss=loss, l1=rec, kl=kl)


def outputs_vunet(job):
    E = job.nets["encoder"]

    def compute(b):
        moments = E(b["appearance"])
        mu = moments[:, :moments.shape[1] // 2]
        prior = torch.randn(mu.shape, generator=job.noise, device=mu.device)
        return {"image": vunet_generate(job, b["shape"], mu), "reconstruction": vunet_generate(job, b["appearanceShape"], mu),
                "prior": vunet_generate(job, b["shape"], prior)}
    return job.eval_outputs(compute)


# ---- WINN synthesis --------------------------------------------------------------------------

def langevin(job, x):
    f, lv = job.nets["critic"], job.recipe["langevin"]
    f.eval()
    for _ in range(lv["steps"]):
        x = x.detach().requires_grad_(True)
        grad = torch.autograd.grad(f(x).sum(), x)[0]
        with torch.no_grad():
            x = x + (lv["stepSize"] / 2) * grad
            if lv["noise"] > 0:
                x = x + lv["noise"] * torch.randn(x.shape, generator=job.noise, device=x.device)
            x = x.clamp(0.0, 1.0)
    f.train()
    return x.detach()


def train_winn(job, epoch, terms):
    f = job.nets["critic"]
    if epoch == 0:
        job.opt = job.adam("critic")
        shape = (job.recipe["samples"], job.c, job.size, job.size)
        if job.recipe["langevin"]["start"] == "uniform":
            job.chains = torch.rand(shape, generator=job.noise, device=job.device)
        else:
            job.chains = (0.5 + 0.5 * torch.randn(shape, generator=job.noise, device=job.device)).clamp(0.0, 1.0)
        job.pool = job.chains.clone()
    for b in job.batches(epoch):
        real = b["real"]
        idx = torch.randint(0, job.pool.shape[0], (real.shape[0],), generator=job.noise, device=job.device)
        negative = job.pool.index_select(0, idx)
        distance = f(negative).mean() - f(real).mean()
        gp = gradient_penalty(f, real, negative, job.noise)
        loss = distance + job.lam["gp"] * gp
        job.opt.zero_grad(set_to_none=True)
        loss.backward()
        job.opt.step()
        terms.add(critic=loss, wasserstein=-distance, gp=gp)
    job.chains = langevin(job, job.chains)
    # The paper's pool keeps every iteration's pseudo-negatives.
    job.pool = torch.cat([job.pool, job.chains], 0)


def outputs_winn(job):
    return {"samples": job.chains}


PROCEDURES = {
    "pix2pix": (train_pix2pix, outputs_pix2pix),
    "segan": (train_segan, outputs_segan),
    "stargan": (train_stargan, outputs_stargan),
    "paired-cyclegan": (train_paired_cyclegan, outputs_paired_cyclegan),
    "vunet": (train_vunet, outputs_vunet),
    "winn-synthesis": (train_winn, outputs_winn),
}


def write_outputs(outputs, out_dir):
    described = {}
    for name, value in outputs.items():
        nhwc = value.detach().float().permute(0, 2, 3, 1).contiguous().cpu().numpy().astype("<f4")
        if not np.isfinite(nhwc).all():
            raise Diverged(f"output {name} has non-finite values after training")
        path = os.path.join(out_dir, f"{name}.f32")
        nhwc.tofile(path)
        described[name] = {"file": path, "shape": list(nhwc.shape)}
    return described


def run(request, channel, device):
    job = Job(request, device)
    train, outputs = PROCEDURES[job.procedure]
    epochs = job.recipe["epochs"]
    curve, train_seconds = [], 0.0
    for epoch in range(epochs):
        started = time.perf_counter()
        terms = Terms(epoch + 1)
        job.set_mode(True)
        try:
            train(job, epoch, terms)
        except Diverged as error:
            seconds = time.perf_counter() - started
            curve.append({"epoch": epoch + 1, "losses": {k: _finite_or_none(v) for k, v in terms.means().items()}, "seconds": seconds})
            return {"status": "diverged", "curve": curve, "trainSeconds": train_seconds + seconds, "error": str(error)}
        seconds = time.perf_counter() - started
        train_seconds += seconds
        record = {"epoch": epoch + 1, "losses": terms.means(), "seconds": seconds}
        curve.append(record)
        channel.send({"type": "progress", "epochs": epochs, **record})
    try:
        described = write_outputs(outputs(job), request["outDir"])
    except Diverged as error:
        return {"status": "diverged", "curve": curve, "trainSeconds": train_seconds, "error": str(error)}
    return {"status": "ok", "curve": curve, "trainSeconds": train_seconds, "outputs": described}


def main():
    channel = Channel()
    threads = os.environ.get("BLOCKQNN_TORCH_THREADS")
    if threads:
        torch.set_num_threads(max(1, int(threads)))
    wanted = os.environ.get("BLOCKQNN_TORCH_DEVICE", "auto")
    device = torch.device("cuda" if wanted != "cpu" and torch.cuda.is_available() else "cpu")
    try:
        request = json.loads(sys.stdin.read())
        result = run(request, channel, device)
    except Exception as error:  # noqa: BLE001 - every failure must become a result line
        status = "too_large" if base.is_out_of_memory(error) else "failed"
        result = {"status": status, "curve": [], "trainSeconds": 0.0,
                  "error": f"{type(error).__name__}: {error}"[:2000], "traceback": traceback.format_exc()[-8000:]}
    channel.send({"type": "result", **result})


if __name__ == "__main__":
    main()
