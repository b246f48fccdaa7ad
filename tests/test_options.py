"""Options are declared once: the CLI's options, defaults and help come from
the library's dataclasses; derived defaults are settled once, into a frozen value."""

import dataclasses
import os
import re

import numpy as np
import pytest
from click.testing import CliRunner

from conftest import REPO_ROOT
from w2v_cli.cli.declared import default_text
from w2v_cli.cli.train import phrases as phrases_command
from w2v_cli.cli.train import train as train_command
from w2v_cli.corpus.phrases import PhrasesOptions
from w2v_cli.declare import fields_of, flag_of
from w2v_cli.errors import W2VError
from w2v_cli.training.options import Resolved, TrainOptions

DATA = os.path.join(REPO_ROOT, "tests", "data")


def _help(command) -> str:
    out = CliRunner().invoke(command, ["--help"], terminal_width=10_000)
    assert out.exit_code == 0, out.output
    return out.output


@pytest.mark.parametrize("command, cls", [(train_command, TrainOptions), (phrases_command, PhrasesOptions)])
def test_every_declared_option_is_a_cli_option_with_the_declared_default(command, cls):
    params = {p.name: p for p in command.params}
    text = _help(command)
    for name, field in fields_of(cls).items():
        param = params[name]  # every declared field is an option of the command
        assert flag_of(field) in param.opts
        assert param.default == field.default
        if field.metadata["choices"]:
            assert list(param.type.choices) == list(field.metadata["choices"])
        # --help shows the default of the declaration: its value, or its rule.
        line = next(line for line in text.splitlines() if line.lstrip().startswith(flag_of(field)))
        assert f"[default: {default_text(field)}]" in line, line


def test_cli_modules_restate_no_default():
    """No `default=` literal of a declared default in the modules that make the
    commands taking the declared options (the query commands take none; their
    --neighbours 5 is not --window's)."""
    folder = os.path.join(REPO_ROOT, "w2v_cli", "cli")
    source = "".join(open(os.path.join(folder, n)).read() for n in ("app.py", "train.py", "declared.py"))
    for cls in (TrainOptions, PhrasesOptions):
        for field in fields_of(cls).values():
            if field.default is None or isinstance(field.default, bool):
                continue
            assert not re.search(rf"default\s*=\s*{re.escape(repr(field.default))}\b", source), field.name


def test_resolve_settles_every_derived_default_once():
    opts = TrainOptions(model="cbow", loss="ns", threads=3)
    r = opts.resolve(cores=2, init_dim=50)
    assert isinstance(r, Resolved)
    assert (r.alpha, r.min_alpha, r.shared_negatives, r.threads, r.dim) == (0.05, 0.05 / 5, 2, 2, 50)
    assert None not in dataclasses.astuple(r)
    assert opts.alpha is None and opts.dim is None  # the options asked for are untouched
    with pytest.raises(dataclasses.FrozenInstanceError):
        r.alpha = 0.1
    with pytest.raises(dataclasses.FrozenInstanceError):
        opts.dim = 10
    assert r.resolve(cores=2) == r  # settled values stay settled
    assert TrainOptions(loss="hs").resolve().min_alpha == 1e-4
    assert TrainOptions(dim=20).resolve(init_dim=50).dim == 20  # asked for beats the model's


@pytest.mark.parametrize("kwargs, message", [
    (dict(dim=0), r"^--dim must be an integer in \[1, 10000\], got 0$"),
    (dict(sample=2.0), r"^--sample must be a number in \[0.0, 1.0\], got 2.0$"),
    (dict(loss="nce"), r"^--loss must be one of 'ns', 'hs', 'softmax', got 'nce'$"),
    (dict(window=2.5), r"^--window must be an integer"),
])
def test_a_value_out_of_its_declaration_is_one_line(kwargs, message):
    with pytest.raises(W2VError, match=message):
        TrainOptions(**kwargs).resolve()


def test_library_train_stays_callable_after_a_call():
    """`w2v.train` is the function, before and after a first training (a
    submodule of that name once replaced it)."""
    import w2v_cli as w2v

    sentences = [["a", "b", "c", "a", "b"]] * 40
    for _ in range(2):
        r = w2v.train(sentences, dim=4, epochs=1, min_count=1, sample=0, threads=1, progress=False)
        assert r.W.shape == (3, 4)


def test_a_checkpoint_written_before_the_layout_change_still_resumes(tmp_path):
    """tests/data/checkpoint-v1.npz was written by main babae64 (before options
    were resolved into Resolved) after epoch 1 of 2; resuming it gives the
    uninterrupted run of this code."""
    from w2v_cli.training.loop import train

    corpus = os.path.join(DATA, "checkpoint-v1-corpus.txt")
    resumed = train(corpus, resume=os.path.join(DATA, "checkpoint-v1.npz"), progress=False)
    full = train(corpus, dim=8, epochs=2, threads=1, min_count=2, progress=False)
    np.testing.assert_array_equal(resumed.W, full.W)
    np.testing.assert_array_equal(resumed.Wp, full.Wp)
    assert resumed.loss_history == full.loss_history
