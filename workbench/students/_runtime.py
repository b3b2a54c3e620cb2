"""Where the fine-tuning loop runs: one local process, or data parallel through ``accelerate``.

The loop in :mod:`.finetune` talks to a small runtime object only, so the same code trains
in one process (:class:`LocalRuntime`, no extra imports) and in N processes started by
``accelerate launch`` (:class:`AccelerateRuntime`: the network is wrapped by accelerate's
``prepare`` in torch's DistributedDataParallel, gradients are all-reduced by it; gloo on
CPU, NCCL on GPUs).
"""

from __future__ import annotations

import math

import numpy as np
import torch

__all__ = ["LocalRuntime", "AccelerateRuntime", "shard_order"]


def shard_order(order: np.ndarray, rank: int, world: int) -> np.ndarray:
    """This process's share of a shuffled epoch order, equal-sized on every rank.

    The order is wrapped around to ``ceil(n / world) * world`` rows (as accelerate's
    ``even_batches``), so every rank runs the same number of steps and DDP's all-reduce
    never waits on a rank that has finished.
    """
    order = np.asarray(order)
    if world == 1:
        return order
    per = math.ceil(len(order) / world)
    padded = np.resize(order, per * world)
    return padded[rank::world]


class LocalRuntime:
    """One process on ``device``."""

    num_processes = 1
    process_index = 0
    is_main = True

    def __init__(self, device: str):
        self.device = torch.device(device)

    def prepare(self, net):
        return net.to(self.device)

    def unwrap(self, net):
        return net

    def backward(self, loss) -> None:
        loss.backward()

    def sum(self, values) -> np.ndarray:
        """Sum of a small float vector over processes."""
        return np.asarray(values, dtype=np.float64)

    def any(self, flag: bool) -> bool:
        return bool(flag)

    def wait(self) -> None:
        pass


class AccelerateRuntime(LocalRuntime):
    """N processes of ``accelerate launch``; the network becomes DistributedDataParallel."""

    def __init__(self, accelerator):
        self.acc = accelerator
        self.device = accelerator.device
        self.num_processes = int(accelerator.num_processes)
        self.process_index = int(accelerator.process_index)
        self.is_main = bool(accelerator.is_main_process)

    def prepare(self, net):
        return self.acc.prepare(net.to(self.device))

    def unwrap(self, net):
        return self.acc.unwrap_model(net)

    def backward(self, loss) -> None:
        self.acc.backward(loss)

    def sum(self, values) -> np.ndarray:
        t = torch.as_tensor(np.asarray(values, dtype=np.float64), device=self.device)
        return self.acc.reduce(t, reduction="sum").cpu().numpy()

    def any(self, flag: bool) -> bool:
        return bool(self.sum([1.0 if flag else 0.0])[0] > 0)

    def wait(self) -> None:
        self.acc.wait_for_everyone()
