"""The kernel interface: every (model, loss, batch) the CLI accepts maps to a
registered epoch kernel, or fails before training with one clear line."""

import itertools

import click
import numpy as np
import pytest

from w2v_cli.cli.train import train as train_command
from w2v_cli.errors import W2VError
from w2v_cli.training.kernels import registry
from w2v_cli.training.kernels.inputs import EpochInputs, epoch_inputs
from w2v_cli.training.options import TrainOptions


def _choices(name):
    param = next(p for p in train_command.params if p.name == name)
    assert isinstance(param.type, click.Choice)
    return list(param.type.choices)


COMBINATIONS = list(itertools.product(_choices("model"), _choices("loss"), _choices("batch")))


def test_cli_choices_are_what_the_registry_knows():
    assert {m for m, _, _ in registry.STEPS} <= set(_choices("model"))
    assert {l for _, l, _ in registry.STEPS} == set(_choices("loss"))
    assert {b for _, _, b in registry.STEPS} == set(_choices("batch"))


@pytest.mark.parametrize("model, loss, batch", COMBINATIONS)
def test_every_cli_combination_has_a_kernel_or_one_clear_line(model, loss, batch):
    key = (model, loss, batch)
    if key in registry.STEPS:
        entry = registry.select(*key)
        assert callable(entry.epoch) and entry.loss_every >= 1 and entry.report_every >= 1
        # The bundle builds for it, with the step's settings.
        opts = TrainOptions(model=model, loss=loss, batch=batch, dim=4, window=2, negative=3).resolve()
        W = np.zeros((5, 4), np.float32)
        Wp = np.zeros((opts.output_rows(5), 4), np.float32)  # V - 1 inner nodes for hs
        b = epoch_inputs(np.array([0, 1, 2, -1, 3, 4], np.int32), np.arange(1, 6), W, Wp, opts)
        assert isinstance(b, EpochInputs)
        assert b.ahead == (3 if entry.draws_ahead else 0)
        # One draw serves two CBOW centre words by default; skip-gram shares within its window.
        assert b.shared_negatives == (2 if (model, loss) == ("cbow", "ns") else 1)
        # TrainOptions.validate allows --shared-negatives > 1 exactly where the span loop draws ahead.
        assert entry.draws_ahead == (loss == "ns" and batch == "window")
        assert b.scores_len == (5 if entry.needs_scores else 0)
        assert b.total_words == 5 * opts.epochs and b.window == 2 and b.negative == 3
        # Huffman paths for hierarchical softmax only.
        assert b.code_lengths.shape == ((5,) if loss == "hs" else (0,))
        # Private top nodes: only where the entry asks, and only with several threads.
        assert b.hot_rows == 0
        b2 = epoch_inputs(np.array([0, 1, 2, -1, 3, 4], np.int32), np.arange(1, 6), W, Wp, opts, threads=2)
        assert b2.hot_rows == (4 if entry.private_top_nodes else 0)  # all V - 1 = 4 inner nodes
        assert not entry.private_top_nodes or loss == "hs"
    else:
        with pytest.raises(W2VError) as err:
            registry.select(*key)
        message = str(err.value)
        assert "\n" not in message and f"--model {model}" in message


def test_unknown_model_is_one_line():
    with pytest.raises(W2VError, match=r"^--model nonsense is not available \(models: "):
        registry.select("nonsense", "ns", "window")


def test_cbow_with_pair_batching_gets_the_registry_message(tmp_path):
    """CBOW's default --shared-negatives must not turn --batch pair into an
    option error: the registry says what CBOW trains with."""
    from w2v_cli.training.loop import train

    with pytest.raises(W2VError, match=r"^--model cbow does not train with --loss ns --batch pair; available: "):
        train(str(tmp_path / "does-not-exist.txt"), model="cbow", batch="pair", progress=False)


@pytest.mark.parametrize("step_name", ["sgns.sg_ns_window", "cbow.cbow_ns"])
def test_steps_that_draw_ahead_leave_the_negatives_for_the_next_centre_word(step_name):
    """With --shared-negatives N the next centre word reuses targets[1:K+1], so a
    step of an entry that draws ahead must not write them (span.py's contract)."""
    from numba import njit

    from w2v_cli.training.kernels import cbow
    from w2v_cli.training.kernels import sgns
    from w2v_cli.training.kernels.inputs import start_epoch
    from w2v_cli.training.kernels.ahead import AHEAD_HOOKS
    from w2v_cli.training.kernels.span import new_scratch, run_span

    step = {"sgns.sg_ns_window": sgns.sg_ns_window, "cbow.cbow_ns": cbow.cbow_ns}[step_name]

    @njit
    def checked(b, s, sentence, n, i, lo, hi, alpha, with_loss, state):
        before = s.targets[1:b.negative + 1].copy()
        loss, pairs = step(b, s, sentence, n, i, lo, hi, alpha, with_loss, state)
        if not np.array_equal(before, s.targets[1:b.negative + 1]):
            b.stop[0] = 2  # recorded, and the loop stops at its next report
        return loss, pairs

    @njit
    def span(b):
        run_span(b, new_scratch(b), 0, checked, AHEAD_HOOKS)

    V, K = 40, 7  # K + 1 > BLOCK: the window step pads its targets past K
    rng = np.random.default_rng(0)
    stream = np.where(rng.random(3000) < 0.05, -1, rng.integers(0, V, 3000)).astype(np.int32)
    model = "cbow" if step_name.startswith("cbow") else "skipgram"
    assert registry.select(model, "ns", "window").hooks is AHEAD_HOOKS
    opts = TrainOptions(model=model, dim=8, negative=K, window=3, sample=0, shared_negatives=3).resolve()
    W = (rng.random((V, 8), dtype=np.float32) - 0.5) / 8
    Wp = np.zeros((V, 8), np.float32)
    b = start_epoch(epoch_inputs(stream, np.full(V, 5), W, Wp, opts), 0, 1, 0)
    span(b)
    assert b.stop[0] == 0
    assert b.pair_acc[0] > 0


def test_unregistered_combination_fails_before_reading_the_corpus(monkeypatch, tmp_path):
    from w2v_cli.training.loop import train

    monkeypatch.delitem(registry.STEPS, ("skipgram", "ns", "pair"))
    missing = tmp_path / "does-not-exist.txt"  # never opened: the check comes first
    with pytest.raises(W2VError, match=r"--model skipgram does not train with --loss ns --batch pair; available: "):
        train(str(missing), batch="pair", progress=False)
