# The signaling server and the app's build, on the official Node image: `docker build -t
# webrtc-rooms .`, or `docker compose up` for the whole fleet (compose.yaml). Every setting comes
# from the environment (`docker run --rm webrtc-rooms node dist/server/cli/main.js --help` lists
# them); see docs/deployment.md.

# The newest Node LTS, the line the browser suite runs on (scripts/node-binaries.mjs).
ARG NODE_IMAGE=node:26-slim

# Builds the app and the server with every dependency.
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build

# Only what the server needs at run time; no install script runs (none of them has one to run).
FROM ${NODE_IMAGE} AS runtime-deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force

FROM ${NODE_IMAGE}
ENV NODE_ENV=production
WORKDIR /app
COPY --from=runtime-deps /app/node_modules node_modules
COPY --from=build /app/package.json ./
COPY --from=build /app/dist/client dist/client
COPY --from=build /app/dist/server dist/server
# The official image's unprivileged user; nothing in /app is writable by it.
USER node
EXPOSE 8080
# `/healthz` answers 503 while the server drains, so an orchestrator stops routing to it.
HEALTHCHECK --interval=15s --timeout=5s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.PORT || 8080}/healthz`).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# SIGTERM (the default stop signal) drains: clients are told to reconnect, then it exits
# within 5 s, inside the 10 s an orchestrator waits before SIGKILL.
CMD ["node", "dist/server/cli/main.js"]
