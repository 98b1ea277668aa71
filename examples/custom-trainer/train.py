"""A training script of your own for blockqnn's script engine.

    npx blockqnn search --engine script --trainer examples/custom-trainer/train.py

blockqnn runs this file once per candidate network, in a fresh Python process, with
`blockqnn_trial` importable. The trial hands over the candidate (an nn.Module built
from the searched block), the data and the run's recipe (epochs, batch size, learning
rate); everything else is this script's choice. Here, unlike the built-in early-stop
recipe (Adam, step decay, plain cross-entropy):

- AdamW with decoupled weight decay, a short linear warm-up, then a per-step cosine decay;
- label smoothing 0.1 in the cross-entropy;
- random-crop augmentation (pad by an eighth of the image, crop back; none under 16 pixels),
  horizontal flips for natural images only (not for digits or letters);
- gradient-norm clipping at 5;
- bf16 autocast on a GPU that supports it;
- it stops early when the next epoch would not fit in the job's time limit.

The accuracy it reports is the candidate's early-stop accuracy: blockqnn combines it with
the network's FLOPs and density into the search's reward, as for any engine.
"""
import contextlib
import math
import time

import torch
import torch.nn.functional as F

import blockqnn_trial

LABEL_SMOOTHING = 0.1
WEIGHT_DECAY = 0.05
WARMUP_FRACTION = 0.05
CLIP_NORM = 5.0
# Mirroring changes what a digit or letter means; it does not change a cat.
FLIP = False


def random_crop(images, padding):
    """Each image shifted by up to `padding` pixels each way, zeros coming in: a random crop of the padded image."""
    n, _, h, w = images.shape
    padded = F.pad(images, (padding, padding, padding, padding))
    dy = torch.randint(0, 2 * padding + 1, (n,), device=images.device)
    dx = torch.randint(0, 2 * padding + 1, (n,), device=images.device)
    rows = (torch.arange(h, device=images.device)[None, :] + dy[:, None])[:, None, :, None]
    cols = (torch.arange(w, device=images.device)[None, :] + dx[:, None])[:, None, None, :]
    batch = torch.arange(n, device=images.device)[:, None, None, None]
    channels = torch.arange(images.shape[1], device=images.device)[None, :, None, None]
    return padded[batch, channels, rows, cols]


def augment(images):
    # Pad by an eighth of the side (4 pixels on 32x32, as for CIFAR). Images under 16 pixels, such as
    # the 8x8 proxy of a quick search, have no pixels to spare: shifting them by one costs accuracy.
    padding = images.shape[-1] // 8
    if padding >= 2:
        images = random_crop(images, padding)
    if FLIP:
        flip = torch.rand(images.shape[0], device=images.device) < 0.5
        images = torch.where(flip[:, None, None, None], images.flip(-1), images)
    return images


def cosine_with_warmup(total_steps):
    warmup = max(1, int(total_steps * WARMUP_FRACTION))

    def factor(step):
        if step < warmup:
            return (step + 1) / warmup
        progress = (step - warmup) / max(1, total_steps - warmup)
        return 0.5 * (1.0 + math.cos(math.pi * min(1.0, progress)))

    return factor


def main():
    trial = blockqnn_trial.current()
    model = trial.build_model()
    train_batches = trial.train_loader()
    optimizer = torch.optim.AdamW(model.parameters(), lr=trial.recipe["learningRate"], weight_decay=WEIGHT_DECAY)
    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, cosine_with_warmup(trial.epochs * len(train_batches)))
    use_bf16 = trial.device.type == "cuda" and torch.cuda.is_bf16_supported()
    autocast = (lambda: torch.autocast("cuda", dtype=torch.bfloat16)) if use_bf16 else contextlib.nullcontext
    print(f"training {type(model).__name__} ({sum(p.numel() for p in model.parameters()):,} parameters) "
          f"for {trial.epochs} epochs on {trial.device}, {len(train_batches)} batches of {trial.batch_size}")

    best, epoch_seconds = 0.0, 0.0
    for epoch in range(1, trial.epochs + 1):
        left = trial.seconds_left()
        if left is not None and epoch > 1 and left < 1.5 * epoch_seconds:
            print(f"stopping after epoch {epoch - 1}: {left:.0f} s left, an epoch takes {epoch_seconds:.0f} s")
            break
        started = time.monotonic()
        learning_rate = schedule.get_last_lr()[0]
        model.train()
        loss_sum, correct, seen = 0.0, 0, 0
        for images, labels in train_batches:
            if trial.should_stop():  # cancelled: the worker kills the process shortly anyway
                return
            with autocast():
                logits = model(augment(images))
            loss = F.cross_entropy(logits.float(), labels, label_smoothing=LABEL_SMOOTHING)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), CLIP_NORM)
            optimizer.step()
            schedule.step()
            loss_sum += loss.item() * len(labels)
            correct += int((logits.argmax(1) == labels).sum())
            seen += len(labels)
        epoch_seconds = time.monotonic() - started
        val_accuracy = trial.evaluate(model)
        best = max(best, val_accuracy)
        # A non-finite loss here ends the trial as "diverged": report_epoch raises Stopped, which ends the script.
        trial.report_epoch(epoch, loss=loss_sum / max(seen, 1), train_accuracy=correct / max(seen, 1),
                           val_accuracy=val_accuracy, learning_rate=learning_rate)
    # The last epoch's accuracy is the early-stop accuracy; the best one travels as an extra metric.
    trial.report_final(trial.evaluate(model), best_val_accuracy=best)


if __name__ == "__main__":
    main()
