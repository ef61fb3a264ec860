"""The inner loops: one training step, one training epoch, one evaluation pass. Sums stay on the
device and are totalled over every process once per pass."""

from __future__ import annotations

import torch
from torch import nn

from reportgen.data import BatchLoader
from reportgen.device import DevicePolicy
from reportgen.progress import Reporter


def epoch_totals(loader: BatchLoader, *sums: torch.Tensor) -> list[float]:
    """Per-sample means of device-side sums, summed over every process first (one host sync)."""
    totals = loader.world.sum(torch.stack([t.float() for t in sums]))
    count = totals[-1].item()
    return [v / count for v in totals[:-1].tolist()]


def train_step(model: nn.Module, x: torch.Tensor, y: torch.Tensor, optimizer: torch.optim.Optimizer,
               policy: DevicePolicy, criterion: nn.Module) -> tuple[torch.Tensor, torch.Tensor]:
    """One optimisation step on a batch -> (loss, logits). The benchmarks time this same step."""
    with policy.autocast():
        logits = model(policy.layout(x))
        loss = criterion(logits, y)
    optimizer.zero_grad(set_to_none=True)
    policy.scaler.scale(loss).backward()
    policy.scaler.step(optimizer)
    policy.scaler.update()
    return loss, logits


def train_one_epoch(model: nn.Module, loader: BatchLoader, optimizer: torch.optim.Optimizer, policy: DevicePolicy,
                    criterion: nn.Module, reporter: Reporter) -> tuple[float, float]:
    """One pass over the training split -> (mean loss, accuracy). Sums stay on the device: the
    only host sync is at the end (a NaN loss makes the sum NaN, so divergence is still caught)."""
    model.train()
    loss_sum, hits, seen = (torch.zeros((), device=loader.device) for _ in range(3))
    for x, y in loader:  # x: (B, 3, S, S) float, y: (B,)
        loss, logits = train_step(model, x, y, optimizer, policy, criterion)
        loss_sum += loss.detach().float() * len(y)
        hits += (logits.argmax(1) == y).sum()
        seen += len(y)
        reporter.advance()
    return tuple(epoch_totals(loader, loss_sum, hits, seen))


# Evaluation keeps no gradients, activations or optimizer state, so a batch costs a fraction of a training
# batch's memory: larger batches mean fewer, faster steps. The model is in eval mode, so the batch size does
# not change a prediction. Never below the training batch, which the user sized to their memory.
EVAL_BATCH_MIN = 256


def eval_batch_size(train_batch_size: int) -> int:
    return max(train_batch_size, EVAL_BATCH_MIN)


@torch.inference_mode()
def evaluate(model: nn.Module, loader: BatchLoader, policy: DevicePolicy,
             criterion: nn.Module) -> tuple[float, float, torch.Tensor]:
    """Mean loss, accuracy (over every process's share) and this process's class probabilities."""
    model.eval()
    loss_sum, hits, seen = (torch.zeros((), device=loader.device) for _ in range(3))
    probs = []
    for x, y in loader:
        with policy.autocast():
            logits = model(policy.layout(x)).float()
        loss_sum += criterion(logits, y) * len(y)
        hits += (logits.argmax(1) == y).sum()
        seen += len(y)
        probs.append(logits.softmax(1))
    loss, acc = epoch_totals(loader, loss_sum, hits, seen)
    return loss, acc, torch.cat(probs).cpu()
