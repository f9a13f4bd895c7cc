# Two commands on a fresh machine: `make run` (the assistant) and `make test` (every test).
.PHONY: run test bench lint setup train

run:
	scripts/run.sh

test:
	scripts/test.sh

bench:
	scripts/bench.sh

lint:
	scripts/setup.sh app
	.venv/bin/ruff check .

setup:
	scripts/setup.sh all

train:
	scripts/setup.sh app rasa
	.venv/bin/arobase model train
