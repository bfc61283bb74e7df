# fauxcloud in a container: one HTTP port for every cloud, one HTTPS port with a generated CA.
# BASE is the official Node image; where no registry is reachable, scripts/docker/base-image.sh
# builds a stand-in and scripts/docker/build-image.sh passes it here.
ARG BASE=node:20-bookworm-slim
FROM ${BASE} AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json ./
COPY core ./core
COPY clouds ./clouds
COPY scenarios ./scenarios
COPY integrations ./integrations
RUN npm ci --no-audit --no-fund && npm prune --omit=dev

FROM ${BASE}
WORKDIR /app
ENV NODE_ENV=production FAUXCLOUD_HOST=0.0.0.0 FAUXCLOUD_PORT=4600 FAUXCLOUD_HTTPS_PORT=4601 FAUXCLOUD_DATA_DIR=/data
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/scenarios ./scenarios
VOLUME /data
EXPOSE 4600 4601
HEALTHCHECK --interval=10s --timeout=3s CMD node -e "fetch('http://127.0.0.1:4600/_fauxcloud/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
ENTRYPOINT ["node", "dist/core/cli.js"]
