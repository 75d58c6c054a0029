# The coopci worker. Talks to Temporal over gRPC, to the Swarm through the
# mounted Docker socket, and runs abra (mount or install it at /usr/local/bin/abra).
FROM node:20-bookworm-slim
RUN apt-get update \
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
