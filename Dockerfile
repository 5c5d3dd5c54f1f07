# The podprobe image: `podprobe serve` as a Vector sidecar, and `podprobe build-fluent-bit` for the Fluent Bit
# module (examples/kubernetes/). Runs as a non-root user and writes nothing to its own filesystem, so it runs
# with readOnlyRootFilesystem: serve's sockets and the built module go to mounted volumes.
#   docker build -t podprobe:0.1.0 .

FROM node:20-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts
COPY asconfig.json tsconfig.json ./
COPY assembly ./assembly
COPY host ./host
COPY bench ./bench
COPY fuzz ./fuzz
COPY bin ./bin
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY --from=build /src/package.json ./package.json
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/bin ./bin
COPY --from=build /src/build/host ./build/host
COPY --from=build /src/build/podprobe.wasm /src/build/podprobe-fluent-bit.wasm ./build/
COPY LICENSE ./LICENSE
# the node image's unprivileged user
USER 1000:1000
ENTRYPOINT ["node", "/app/bin/podprobe.js"]
CMD ["help"]
