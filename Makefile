# Two-command quick start: `make test` and `make demo` each bootstrap the
# virtual environment from requirements.txt (and requirements/webdemo.txt,
# so that the web demo's API test runs in CI) and install mmvlprompt in
# editable mode first.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.mmvlprompt-installed
DEMO_DIR ?= work_dirs/demo
RETRIEVAL_DIR ?= work_dirs/retrieval
BENCH_DIR ?= work_dirs/benchmark
WEBDEMO_PORT ?= 7860
WEBDEMO_HOST ?= 127.0.0.1
# where tools/demo.sh writes world v2 (its MMVLP_WORLD_V2_ROOT)
WORLD_ROOT := $(or $(MMVLP_WORLD_V2_ROOT),data/world_v2)

.PHONY: venv test docs demo demo-full benchmark webdemo clean

venv: $(STAMP)

$(STAMP): requirements.txt requirements/webdemo.txt setup.py
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -r requirements.txt -r requirements/webdemo.txt
	$(PY) -m pip install --no-deps --no-build-isolation -e .
	touch $(STAMP)

test: $(STAMP)
	$(PY) -m pytest tests

# The documentation site (docs/README.md): Sphinx + MyST from docs/en into
# docs/_build/html. Warnings are errors (-W --keep-going: all are listed),
# so a broken page, cross-reference or heading anchor fails the build; links
# from Markdown outside the build (README.md, configs/**/README.md) and to
# repository files are checked by tools/docs/check_links.py first.
DOCS_STAMP := $(VENV)/.mmvlprompt-docs-installed
DOCS_OUT ?= docs/_build/html

$(DOCS_STAMP): $(STAMP) requirements/docs.txt
	$(PY) -m pip install -r requirements/docs.txt
	touch $(DOCS_STAMP)

docs: $(DOCS_STAMP)
	$(PY) tools/docs/check_links.py
	rm -rf docs/en/generated
	$(PY) -m sphinx -b html -E -q -W --keep-going docs/en $(DOCS_OUT)
	@echo "docs: $(DOCS_OUT)/index.html"

demo: $(STAMP)
	PATH="$(abspath $(VENV))/bin:$$PATH" bash tools/demo.sh $(DEMO_DIR)

# The demo's trained ViLT-CLIP in the browser (tools/webdemo.py), beside
# zero-shot CLIP, on http://$(WEBDEMO_HOST):$(WEBDEMO_PORT)/; runs `make demo`
# first when its checkpoint is absent. Examples: the demo's test videos.
webdemo: $(STAMP)
	@test -f $(DEMO_DIR)/vilt-clip/epoch_2.pth -a -f $(WORLD_ROOT)/classes_b2n_novel.txt \
	    || $(MAKE) demo
	$(PY) tools/webdemo.py \
	    configs/demo/vilt-clip_world_v2.py $(DEMO_DIR)/vilt-clip/epoch_2.pth \
	    --host $(WEBDEMO_HOST) --port $(WEBDEMO_PORT) \
	    --examples $(WORLD_ROOT)/videos/b2n_novel_test $(WORLD_ROOT)/videos/b2n_base_test \
	    --class-file $(WORLD_ROOT)/classes_b2n_base.txt $(WORLD_ROOT)/classes_b2n_novel.txt

# The embedded video-text retrieval benchmark (docs/en/user_guides/
# retrieval.md): writes $(RETRIEVAL_DIR)/results_retrieval.csv.
.PHONY: retrieval
retrieval: $(STAMP)
	PATH="$(abspath $(VENV))/bin:$$PATH" bash tools/retrieval.sh $(RETRIEVAL_DIR)

# `make demo` after re-pretraining the tiny CLIP (deterministic on CPU, about
# 10 min on 1 core) instead of using the committed checkpoints/vlp-bench/.
demo-full: $(STAMP)
	mkdir -p $(DEMO_DIR)
	$(PY) tools/pretrain_tiny_clip.py $(DEMO_DIR)/vlp-bench.pt --arch vlp-bench --corpus bench --steps 900 --seed 0 --eval-images 500
	PATH="$(abspath $(VENV))/bin:$$PATH" MMVLP_BENCH_CLIP=$(DEMO_DIR)/vlp-bench.pt bash tools/demo.sh $(DEMO_DIR)

# The embedded benchmark: four settings, all seven methods, 3 seeds, on
# world v2.1 (tools/benchmark.sh, configs/grids/world_v2.py; design
# and recipes declared in docs/en/benchmark/world_v2_grid.md).
benchmark: $(STAMP)
	PATH="$(abspath $(VENV))/bin:$$PATH" bash tools/benchmark.sh $(BENCH_DIR)

# Mutation testing of the core modules (docs/en/advanced_guides/
# mutation_testing.md): mutmut, one worker, the covering tests only. Not run
# by `make test` or CI. MODULES: a subset of tools/mutation/modules.toml.
# MUTATION_ARGS: e.g. --fresh to forget earlier results.
MODULES ?=
MUTATION_ARGS ?=
.PHONY: mutation
mutation: $(STAMP)
	$(PY) -m pip install -q -r requirements/mutation.txt
	OMP_NUM_THREADS=1 $(PY) tools/mutation/run.py $(MUTATION_ARGS) $(MODULES)

clean:
	rm -rf $(VENV) work_dirs
