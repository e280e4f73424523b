# listenq-exporter image.
#
# Stage `build` (the official Node image) installs the production dependencies, compiles
# the TypeScript and builds the native sock_diag addon (native/netlink.c, with gcc and the
# image's own Node headers). The runtime stage is plain Debian slim with only the node
# binary copied in: no npm, corepack or yarn, which the exporter never runs and which image
# scanners flag. It adds iproute2 for `ss`, the fallback where sock_diag cannot be asked.
#
# Build:  docker build -t listenq-exporter .
#         (podman/buildah: buildah build --layers -t listenq-exporter .)
# Run:    docker run --rm --read-only --cap-drop=ALL --network=host listenq-exporter
#
# Both bases are pinned: Node to a release, Debian to a dated build of the official image
# (`bookworm-YYYYMMDD-slim`, published once and never moved, unlike `bookworm-slim` or
# `12.x-slim`, which are rebuilt in place). 20260803 is Debian 12.15. Pin by digest too at
# release time (`NODE_IMAGE=...@sha256:...`); the tags below are what the image test builds.

ARG NODE_VERSION=24.21.0
ARG DEBIAN_SUITE=bookworm
ARG DEBIAN_BUILD=20260803
ARG NODE_IMAGE=docker.io/library/node:${NODE_VERSION}-${DEBIAN_SUITE}-slim
ARG RUNTIME_IMAGE=docker.io/library/debian:${DEBIAN_SUITE}-${DEBIAN_BUILD}-slim

FROM ${NODE_IMAGE} AS build
# A C compiler for the addon; the slim Node image has none.
RUN apt-get update \
 && apt-get install -y --no-install-recommends gcc libc6-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY package.json package-lock.json ./
# Production dependencies exactly as locked. No install scripts: none of them needs one, and
# not running them keeps dependency code out of the build.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund
# The compiler only, at the versions the lockfile pins, in a prefix of its own. A full
# `npm ci` would also fetch the test tooling (helm, vitest, Kubernetes schemas): hundreds of
# MB that the build never uses.
RUN set -eu; \
    pkgs="$(node -e 'const p = require("./package-lock.json").packages; \
      console.log(["typescript", "@types/node"].map((n) => n + "@" + p["node_modules/" + n].version).join(" "))')"; \
    npm install --prefix /opt/tsc --no-save --ignore-scripts --no-audit --no-fund $pkgs
COPY native ./native
COPY scripts/native ./scripts/native
RUN node scripts/native/build.mjs --strict
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
# typeRoots points `types: ["node"]` at the compiler prefix instead of ./node_modules/@types.
RUN /opt/tsc/node_modules/.bin/tsc -p tsconfig.build.json --typeRoots /opt/tsc/node_modules/@types \
 && node dist/main.js --version

FROM ${RUNTIME_IMAGE}
# iproute2 provides ss; --no-install-recommends keeps out its optional extras.
RUN apt-get update \
 && apt-get install -y --no-install-recommends iproute2 \
 && apt-get clean \
 && rm -rf /var/lib/apt/lists/* /var/log/apt /var/log/dpkg.log
COPY --from=build /usr/local/bin/node /usr/local/bin/node
WORKDIR /app
# Owned by root and not writable by the runtime user: the app cannot be modified at run time.
COPY --from=build /src/package.json ./package.json
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY --from=build /src/build ./build

# Numeric, so Kubernetes runAsNonRoot can verify it without an /etc/passwd lookup. The
# exporter needs no writable path, so it also runs with a read-only root filesystem.
USER 65532:65532
ENV NODE_ENV=production
EXPOSE 9839
# node is PID 1 here (no init): the exporter handles SIGTERM itself and exits 0, and it reaps
# the ss processes it spawns, so no zombies accumulate.
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/node", "/app/dist/main.js"]

ARG VERSION=0.1.0
ARG REVISION=unknown
ARG CREATED=1970-01-01T00:00:00Z
ARG RUNTIME_IMAGE
# buildah's layer cache (podman build --layers) keys a LABEL step by its text, not by the
# ARG values in it, so a rebuild with a new REVISION would keep the old labels. A RUN step's
# key does include the ARG values: this no-op makes the labels below follow them.
RUN : "${VERSION} ${REVISION} ${CREATED}"
LABEL org.opencontainers.image.title="listenq-exporter" \
      org.opencontainers.image.description="Prometheus exporter for per-socket TCP listen (accept) queue depth, limit, peaks and overflows on Linux" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.created="${CREATED}" \
      org.opencontainers.image.base.name="${RUNTIME_IMAGE}"
