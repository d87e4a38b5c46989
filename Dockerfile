FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production API_PORT=8080
COPY --from=build /app/package.json /app/next.config.mjs ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/.next ./.next
COPY --from=build /app/dist ./dist
COPY --from=build /app/public ./public
EXPOSE 8080
USER node
# --v8-pool-size=0: V8's helper threads (parallel GC) sized to the cores (docs/benchmarks.md, ninth round)
CMD ["node", "--v8-pool-size=0", "--enable-source-maps", "dist/server.mjs"]
