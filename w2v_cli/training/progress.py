"""The training progress bar: percent, words/s, learning rate, running loss, ETA."""

from __future__ import annotations

import sys

from tqdm import tqdm

from .schedule import learning_rate


class TrainProgress:
    def __init__(self, total_words: int, alpha: float, min_alpha: float, enabled: bool = True):
        self.total = total_words
        self.alpha = alpha
        self.min_alpha = min_alpha
        self.done = 0
        self.bar = tqdm(total=total_words, unit="w", unit_scale=True, dynamic_ncols=True,
                        disable=not enabled, file=sys.stderr, smoothing=0.1,
                        bar_format="{l_bar}{bar}| {n_fmt}/{total_fmt} [{elapsed}<{remaining}, {rate_fmt}{postfix}]")

    def update(self, done_words: int, loss_sum: float, pairs: int) -> None:
        if done_words > self.done:
            self.bar.update(done_words - self.done)
            self.done = done_words
        lr = learning_rate(self.alpha, self.min_alpha, done_words, self.total)
        postfix = f"lr={lr:.5f}"
        if pairs:
            postfix += f", loss={loss_sum / pairs:.4f}"
        self.bar.set_postfix_str(postfix, refresh=False)

    def epoch_done(self, epoch: int, mean_loss: float) -> None:
        self.bar.write(f"epoch {epoch}: mean loss {mean_loss:.4f}", file=sys.stderr) if not self.bar.disable else None

    def close(self) -> None:
        self.bar.close()
