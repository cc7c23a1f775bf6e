# The worker image: the TypeScript source run through tsx (a runtime dependency), as in a checkout,
# so there is no build step and the workflow bundle is built from the same files the tests ran.
# The same image serves the codec endpoint for the Temporal UI (see docker-compose.yml).
FROM node:20-bookworm-slim

WORKDIR /app

# Dependencies first, so a source change does not reinstall them. Dev dependencies (vitest,
# typescript, eslint...) are left out: tsx, the SDK and its workflow bundler are runtime ones.
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

COPY tsconfig.json ./
COPY bin ./bin
COPY src ./src
COPY examples ./examples

# Drafts, the published site, the outbox and the sent-mail ledger (what makes a retried notification
# not go out twice) are written here: docker-compose.yml mounts a volume on it.
ENV REMEDIATE_VAR_DIR=/var/lib/remediate
RUN mkdir -p /var/lib/remediate && chown node:node /var/lib/remediate
USER node

# The SDK drains the worker on SIGTERM (`docker stop`): running activities finish, no new ones start.
CMD ["node", "bin/remediate", "worker"]
