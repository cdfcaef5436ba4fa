# The two commands a newcomer needs:
#   make run   installs what is missing, builds, and runs the main job
#   make test  installs what is missing, builds, and runs every test
# Other targets: build, e2e (the suites against a real kube-apiserver and etcd, built
# from Go modules by `make envtest`), asan, tsan, clang, release, format, check-format,
# tidy, install (PREFIX=...), helm and helm-test (the charts), image, clean. PRESET
# picks a CMakePresets.json preset.

PRESET ?= default
PREFIX ?= /usr/local
# Warnings are errors in CI (CI=true) or when asked for (WERROR=ON).
WERROR ?= $(if $(filter true,$(CI)),ON,OFF)
CMAKE_ARGS ?=
# Generated code (sdk/api, codegen's golden files) carries a .clang-format that turns
# formatting off, so tools other than make see the same rule.
SOURCES = $(shell git ls-files '*.h' '*.cc' 2>/dev/null || find sdk codegen controllers examples tests bench -name '*.h' -o -name '*.cc')

.PHONY: all deps configure build test test-clients envtest e2e run asan tsan clang release format check-format tidy install clean helm helm-test image

all: build

deps:
	@scripts/install-deps.sh

configure: deps
	@cmake --preset $(PRESET) -DKUBECPP_WERROR=$(WERROR) $(CMAKE_ARGS) >/dev/null

build: configure
	@cmake --build --preset $(PRESET)

# The fake apiserver's client suites need kubectl and the Python client; the chart
# tests need helm.
test-clients:
	@scripts/install-test-clients.sh

test: build test-clients helm
	@ctest --preset $(PRESET)

# A real kube-apiserver and etcd, built once from Go modules into ~/.cache/kubecpp.
envtest:
	@scripts/build-envtest.sh

e2e: build envtest
	@ctest --preset $(PRESET) -L e2e

# The controller manager on its embedded apiserver, with podsim standing in for
# kubelets: rolls out examples/sample-app, prints it, and runs until Ctrl-C.
run: build
	@build/$(PRESET)/controllers/controller_manager/kubecpp-controller-manager \
		--embedded-apiserver --apply examples/sample-app/app.yaml

# helm, built once from its Go module into ~/.cache/kubecpp/helm.
helm:
	@scripts/build-helm.sh

helm-test: build helm envtest
	@ctest --preset $(PRESET) -L helm

IMAGE_REPO ?= ghcr.io/kubecpp
IMAGE_TAG ?= $(shell grep -m1 '^project' CMakeLists.txt | grep -o 'VERSION [0-9.]*' | cut -d' ' -f2)
CONTAINER_ENGINE ?= $(shell command -v docker || command -v podman)
# Container images (docker/*.Dockerfile). Without a container engine, `ctest -L image`
# checks the runtime stages' library lists instead.
image:
	@$(CONTAINER_ENGINE) info >/dev/null 2>&1 || { echo "make image: no working docker/podman; ctest -L image checks the library lists" >&2; exit 1; }
	@for b in kubecpp-controller-manager webapp-operator; do \
	  $(CONTAINER_ENGINE) build -f docker/$$b.Dockerfile -t $(IMAGE_REPO)/$$b:$(IMAGE_TAG) . || exit 1; done

asan:
	@$(MAKE) --no-print-directory test PRESET=asan

tsan:
	@$(MAKE) --no-print-directory test PRESET=tsan

clang:
	@scripts/install-deps.sh --dev
	@$(MAKE) --no-print-directory test PRESET=clang

release:
	@$(MAKE) --no-print-directory test PRESET=release

format: deps
	@clang-format -i $(SOURCES)

check-format: deps
	@clang-format --dry-run --Werror $(SOURCES) && echo "check-format: all files formatted"

tidy: configure
	@scripts/install-deps.sh --dev
	@run-clang-tidy -quiet -p build/$(PRESET) 'sdk/.*\.cc$$'

install: build
	@cmake --install build/$(PRESET) --prefix $(PREFIX)

clean:
	@rm -rf build
