# w2v: common tasks. Corpora and peers go to git-ignored corpora/data/ and peers/.
PYTHON ?= python3
W2V ?= $(if $(shell command -v w2v),w2v,$(PYTHON) -m w2v_cli.cli)
THREADS ?= 2
GCIDE := corpora/data/gcide.txt
TEXT8 := corpora/data/text8.txt
SYNTH := corpora/data/synth2m.txt
QUICK := benchmarks/work/gcide-1m.txt
# full comparison settings (docs/design.md): dim 100, window 5, negative 5, sample 1e-4, 5 epochs, min-count 5
BENCH_ARGS := --dim 100 --window 5 --negative 5 --sample 1e-4 --epochs 5 --min-count 5 --threads $(THREADS)

.PHONY: install warmup bench-install test corpus-gcide corpus-text8 corpus-synth peers bench-quick bench bench-scaling bench-kernel demo clean-bench

# Then compile every kernel for this CPU (once; later runs load them): no first run waits for it.
install:
	$(PYTHON) -m pip install --quiet -e ".[test]"
	$(PYTHON) -m w2v_cli warmup

warmup:
	$(PYTHON) -m w2v_cli warmup

# What the benchmarks import (w2v and its Numba, gensim, scipy, matplotlib), so they run on a fresh clone.
bench-install:
	$(PYTHON) -m pip install --quiet -e ".[bench]"

# The README's test command: installs what the tests need, then runs them.
test: install
	$(PYTHON) -m pytest -q

GCIDE_SRC := /usr/share/dictd/gcide.dict.dz

$(GCIDE_SRC):
	@echo "installing Debian's dict-gcide (the offline corpus source)"
	(apt-get update -qq && apt-get install -y -qq dict-gcide) || \
		(sudo apt-get update -qq && sudo apt-get install -y -qq dict-gcide)

$(GCIDE): | $(GCIDE_SRC)
	$(PYTHON) corpora/make_gcide.py --out $(GCIDE)

corpus-gcide: $(GCIDE)

corpus-text8:
	$(PYTHON) corpora/get_text8.py --out $(TEXT8)

corpus-synth:
	$(PYTHON) corpora/synth.py --tokens 2M --seed 1 --out $(SYNTH)

peers:
	bash benchmarks/peers.sh

# a minute or two: first 1 M words of GCIDE, w2v vs gensim corpus_file, 1 repeat, 5 epochs
$(QUICK): $(GCIDE)
	mkdir -p benchmarks/work && head -n 1000 $(GCIDE) > $(QUICK)

bench-quick: bench-install $(QUICK)
	$(PYTHON) benchmarks/bench_train.py --corpus $(QUICK) --systems w2v,gensim-file --epochs 5 \
		--sample 1e-4 --threads $(THREADS) --repeats 1

# the full comparison: GCIDE, all systems (peers built if missing), then the scaling and kernel runs
bench: bench-install $(GCIDE)
	@test -x peers/word2vec/word2vec || bash benchmarks/peers.sh
	$(PYTHON) benchmarks/bench_train.py --corpus $(GCIDE) $(BENCH_ARGS) \
		--systems w2v,gensim-file,gensim-iter,word2vec.c,fasttext --repeats 1 --cold-start
	$(PYTHON) benchmarks/bench_scaling.py --sizes 1M,4M,16M --threads 1,2
	$(PYTHON) benchmarks/bench_kernel.py --corpus $(GCIDE) --threads 1,2

bench-scaling: bench-install
	$(PYTHON) benchmarks/bench_scaling.py --sizes 1M,4M,16M --threads 1,2

# the epoch kernel alone on GCIDE, 1 and 2 threads (what the window kernel was tuned with)
bench-kernel: bench-install $(GCIDE)
	$(PYTHON) benchmarks/bench_kernel.py --corpus $(GCIDE) --threads 1,2

# The README's main job: install, build the offline corpus, train vectors.bin on it.
demo: install $(GCIDE)
	$(PYTHON) -m w2v_cli train $(GCIDE) -o vectors.bin
	$(PYTHON) -m w2v_cli similar king -n 5

clean-bench:
	rm -rf benchmarks/work
