# Entry points. Each target first installs any missing Debian package (scripts/install-deps.sh,
# quiet and fast when everything is present), then configures and builds with CMake presets.
PRESET ?= release
THREADS ?= $(shell nproc)


.PHONY: all deps build demo toy-demo test test-tsan test-asan bench format clean

all: build

deps:
	@./scripts/install-deps.sh

build: deps
	@cmake --preset $(PRESET) >/dev/null
	@cmake --build --preset $(PRESET)

## demo: set up, build and run the default demo scenario end to end (output in out/)
demo: build
	@mkdir -p out
	./build/$(PRESET)/cli/cartsim run scenarios/demo_2d.toml -o out/demo_2d.h5 --force --threads $(THREADS)
	/usr/bin/python3 analysis/plot_run.py out/demo_2d.h5 -o out/demo_2d_plots

## toy-demo: the engine's reference walker model
toy-demo: build
	./build/$(PRESET)/engine/cartsim-toy-demo --threads $(THREADS)

## test: set up, build and run the whole test suite
test: build
	ctest --preset $(PRESET) -j $(THREADS)

## test-tsan: the engine tests under ThreadSanitizer
test-tsan:
	@$(MAKE) --no-print-directory build PRESET=tsan
	ctest --preset tsan -j $(THREADS) -R '^(Lattice|TileGrid|Domain|Population|RandomStream|Scheduler|Reduce|Parallelism|Conservation|EngineDeterminism|DiffusionField|ModelDeterminism)'

## test-asan: the whole suite under AddressSanitizer + UndefinedBehaviorSanitizer
test-asan:
	@$(MAKE) --no-print-directory build PRESET=asan-ubsan
	ctest --preset asan-ubsan -j $(THREADS)

bench: build
	./build/release/benchmarks/bench_engine

format:
	clang-format -i $$(git ls-files '*.cpp' '*.hpp')

clean:
	rm -rf build
