# A hand-written Dockerfile for test/fixtures/apps/node, as a person would write it: the baseline
# Ink's generated Containerfile is compared with (bench/build/run.sh).
FROM localhost/ink/base:bookworm
ARG NODE_EXTRA_CA_CERTS=/etc/ink/host-ca.crt
ARG SSL_CERT_FILE=/etc/ink/host-ca.crt
RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
    nodejs npm && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build
ENV PORT=8080 NODE_ENV=production
CMD ["node", "server.js"]
