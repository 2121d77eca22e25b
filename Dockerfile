FROM node:20-bookworm-slim
# A CJK font: without one, Chinese text in the server-rendered ranking chart comes out as boxes.
RUN apt-get update && apt-get install -y --no-install-recommends fonts-wqy-microhei fontconfig python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
COPY prisma ./prisma
COPY patches ./patches
COPY src/db ./src/db
RUN npm ci --no-audit --no-fund
COPY . .
# the emulator page (served only when no platform is configured, never in production)
RUN npm run build
ENV NODE_ENV=production PORT=3000
EXPOSE 3000
CMD ["npm", "start"]
