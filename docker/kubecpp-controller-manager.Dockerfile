# syntax=docker/dockerfile:1
# kubecpp-controller-manager: Kubernetes' built-in controllers on kubecpp.
#
#   docker build -f docker/kubecpp-controller-manager.Dockerfile -t kubecpp-controller-manager .
#   (or `make image`; run from the repository root, the build context is the whole tree)
#
# Stage "build" compiles on Debian bookworm with exactly the packages the project builds
# with (scripts/install-deps.sh). Stage "runtime" is bookworm-slim with only the Debian
# packages that hold the shared libraries the binary loads, and runs as a non-root user.
# tests/helm/check_image_libraries.py keeps the runtime list honest: it maps every library
# `ldd` reports for the built binary to its Debian package and fails when the list below
# misses one or names one the binary does not need, then runs the binary in a root
# filesystem made only of those packages.

ARG DEBIAN_RELEASE=bookworm

FROM debian:${DEBIAN_RELEASE} AS build
ARG BUILD_TYPE=Release
ARG JOBS=
ENV DEBIAN_FRONTEND=noninteractive
WORKDIR /src
COPY scripts/install-deps.sh scripts/install-deps.sh
RUN scripts/install-deps.sh && rm -rf /var/lib/apt/lists/*
COPY . .
RUN cmake -S . -B /build -G Ninja -DCMAKE_BUILD_TYPE=${BUILD_TYPE} \
      -DKUBECPP_BUILD_TESTS=OFF -DKUBECPP_BUILD_EXAMPLES=OFF -DKUBECPP_BUILD_BENCH=OFF \
 && cmake --build /build --target kubecpp-controller-manager ${JOBS:+-j${JOBS}} \
 && mkdir -p /out \
 && cp "$(find /build -type f -name kubecpp-controller-manager -perm -u+x | head -n 1)" /out/ \
 && strip --strip-unneeded /out/kubecpp-controller-manager \
 && ! ldd /out/kubecpp-controller-manager | grep "not found"

FROM debian:${DEBIAN_RELEASE}-slim AS runtime
# The shared libraries of the binary, one Debian package a line (checked by
# tests/helm/check_image_libraries.py against `ldd`; keep it exact).
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      libbrotli1 \
      libc6 \
      libcpprest2.10 \
      libfmt9 \
      libgcc-s1 \
      libspdlog1.10 \
      libssl3 \
      libstdc++6 \
      libyaml-cpp0.7 \
      zlib1g \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --gid 65532 nonroot \
 && useradd --uid 65532 --gid 65532 --no-create-home --home-dir /nonexistent \
      --shell /usr/sbin/nologin nonroot
COPY --from=build /out/kubecpp-controller-manager /usr/local/bin/kubecpp-controller-manager
USER 65532:65532
# /metrics and /healthz + /readyz (the binary's defaults; the Helm chart sets them too).
EXPOSE 8080 8081
LABEL org.opencontainers.image.title="kubecpp-controller-manager" \
      org.opencontainers.image.description="Kubernetes' built-in controllers on the kubecpp C++ runtime" \
      org.opencontainers.image.source="https://github.com/kubecpp/kubecpp" \
      org.opencontainers.image.licenses="Apache-2.0"
ENTRYPOINT ["/usr/local/bin/kubecpp-controller-manager"]
