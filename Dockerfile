# The coopci worker. Talks to Temporal over gRPC, to the Swarm through the
# mounted Docker socket, and runs abra (mount or install it at /usr/local/bin/abra).
# BASE: any Debian with Node.js >= 20.19. The default is the official Node image;
# where no registry is reachable, scripts/worker-image.sh builds a Debian base
# locally (mmdebstrap + docker import) that already has the packages below.
ARG BASE=node:20-bookworm-slim
FROM ${BASE}
# git (mirror-sync), the docker CLI (abra's stack deploys, volume copies), tini (PID 1).
# Installed only when the base lacks them, so a prebuilt base needs no mirror at build time.
RUN if command -v git >/dev/null && command -v docker >/dev/null && command -v tini >/dev/null; then exit 0; fi \
 && apt-get update \
 && apt-get install -y --no-install-recommends git docker.io ca-certificates tini \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
# Not `npm ci`: package-lock.json lists only the Linux builds of platform
# packages (see scripts/setup.sh); `npm install --no-save` keeps its versions.
RUN npm install --no-save --omit=dev --no-audit --no-fund
COPY . .
ENV COOPCI_CONFIG=/etc/coopci/coopci.yaml
ENTRYPOINT ["tini", "--", "node", "bin/coopci.mjs"]
CMD ["worker"]
