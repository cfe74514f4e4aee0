# One image for every Tally process: the four services, the one-shot deployer and, locally, the
# anvil chain node (its binary ships in the @foundry-rs/anvil-linux-* npm package, a production
# dependency). docker-compose.yml picks the process with `command:`; there is no useful default.
#
#   service      command
#   registration node dist/apps/registration/src/main.js
#   credit       node dist/apps/credit/src/main.js
#   payment      node dist/apps/payment/src/main.js
#   settlement   node dist/apps/settlement/src/main.js
#   deployer     node dist/scripts/deploy.js
ARG NODE_IMAGE=node:20-bookworm-slim

# --- build: all dependencies, contracts compiled with solc, TypeScript compiled with swc ----------
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
# No package needs its install script (anvil's binary comes in its optional platform package), and
# npm 11 on the developers' machines skips them too: the image installs what they install.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY . .
RUN npm run build

# --- production dependencies only ------------------------------------------------------------------
FROM ${NODE_IMAGE} AS prod-deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
 && npm cache clean --force

# --- runtime ------------------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
WORKDIR /app
# package.json is needed at run time: its "imports" map (#common, #chain-adapter) points into dist/.
COPY --chown=root:root package.json ./
COPY --from=prod-deps --chown=root:root /app/node_modules ./node_modules
COPY --from=build --chown=root:root /app/dist ./dist
# Mount points of the named volumes: a new named volume takes the owner of the image's folder, so
# the non-root user can write the chain state (/data) and the deployment manifest (/deployments).
RUN mkdir -p /data /deployments && chown node:node /data /deployments
USER node
CMD ["node", "-e", "console.error('tally: choose a process, e.g. node dist/apps/registration/src/main.js (see the Dockerfile header)'); process.exit(64)"]
