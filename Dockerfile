# The production image: TypeScript compiled once at build, production dependencies only, a non-root user.
#   docker build -t huzhu .        (docker-compose.yml runs the migrate step, then the app)

# ---- build: full install (compilers for better-sqlite3, patch-package, Prisma's generator), compile, prune
FROM node:20-bookworm-slim AS build
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
COPY prisma ./prisma
COPY patches ./patches
COPY src/db ./src/db
# postinstall: patch-package (exceljs), then the Prisma clients into src/generated and prisma/postgresql/
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY scripts ./scripts
COPY src ./src
RUN npm run build:server \
  && npm prune --omit=dev --ignore-scripts --no-audit --no-fund \
  && node scripts/prune-optional-peers.mjs .

# ---- runtime: node, a CJK font for the charts, the compiled server and its production dependencies
FROM node:20-bookworm-slim
# without a CJK font, Chinese text in the server-rendered ranking chart comes out as boxes
RUN apt-get update && apt-get install -y --no-install-recommends fonts-wqy-microhei fontconfig \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /app
ENV NODE_ENV=production PORT=3000
# V8 lets the old generation grow to about four times what is alive before a full collection; the app holds
# ~100 MB alive, so a cap keeps a 100 000-row roster sent in chat within 500 MB RSS (bench/roster-chat) and
# leaves room for a push to 10 000 reps. The memory benches read this line.
ENV NODE_OPTIONS=--max-old-space-size=320
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# migrations, the schemas the wasm schema engine reads (prisma/postgresql/ is generated at build), policies, demo data
COPY --from=build /app/prisma ./prisma
COPY templates ./templates
# SQLite's default file lives here; run as the image's unprivileged `node` user
RUN mkdir -p /app/data && chown node:node /app/data
USER node
EXPOSE 3000
# migrations are their own step: `node dist/cli/index.js db migrate` (docker-compose.yml's `migrate` service)
CMD ["node", "dist/app/main.js"]
