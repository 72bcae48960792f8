# personalize-local server in a container:
#   docker build -t personalize-local . && docker run -p 4567:4567 personalize-local
FROM python:3.11-slim

WORKDIR /src
COPY . .
# rectools-lightfm builds from source: a C compiler for the install only; its OpenMP runtime (libgomp1) stays.
RUN apt-get update \
    && apt-get install -y --no-install-recommends gcc libc6-dev libgomp1 \
    && pip install --no-cache-dir . \
    && apt-get purge -y --auto-remove gcc libc6-dev \
    && rm -rf /var/lib/apt/lists/* /src
WORKDIR /

EXPOSE 4567
# 0.0.0.0: reachable through the container's published port (the server warns that it checks no credentials).
CMD ["personalize-local", "server", "--host", "0.0.0.0", "--port", "4567"]
