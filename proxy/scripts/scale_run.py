#!/usr/bin/env python3
"""Measures upstream requests for N proxy replicas behind a round-robin
"load balancer", with and without a shared Redis (docs/deploy.md, "Scaling
out").

Everything runs on 127.0.0.1: `modelarts-sync-proxy --mock` stands in for
ModelArts (its GET /__mock/requests counts the requests it received per
dataset), N replicas of `modelarts-sync-proxy --upstream` in front of it,
optionally one `redis-server` on a free port, and this script as the viewers:
every replica is asked for every dataset every PERIOD seconds (so each
dataset gets N/PERIOD requests a second in all), from a few threads with
keep-alive connections. The run is bounded: DURATION seconds, then
everything it started is stopped.

Usage: scale_run.py BINARY [--replicas 5] [--datasets 50] [--ttl 2]
                          [--period 0.5] [--duration 30] [--redis|--no-redis]
Only the standard library is used.
"""

import argparse
import http.client
import json
import os
import socket
import subprocess
import threading
import time


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(args, env=None):
    """Starts the proxy binary; returns (process, 'host:port')."""
    p = subprocess.Popen(
        args,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "RUST_LOG": "error", **(env or {})},
        text=True,
    )
    line = p.stdout.readline().strip()
    assert line.startswith("listening on http://"), line
    return p, line[len("listening on http://"):]


def get_json(addr, path):
    host, port = addr.rsplit(":", 1)
    c = http.client.HTTPConnection(host, int(port), timeout=10)
    c.request("GET", path)
    body = c.getresponse().read()
    c.close()
    return json.loads(body)


def redis_info(port):
    """INFO's fields (raw RESP over a socket: no client library needed)."""
    with socket.create_connection(("127.0.0.1", port), 5) as s:
        s.sendall(b"INFO\r\n")
        data = b""
        while True:
            chunk = s.recv(65536)
            data += chunk
            if not chunk or (data.startswith(b"$") and len(data) >= int(data[1:data.index(b"\r\n")]) + data.index(b"\r\n") + 4):
                break
    fields = {}
    for line in data.decode().splitlines()[1:]:
        if ":" in line:
            k, v = line.split(":", 1)
            fields[k] = v
    return fields


def run(binary, replicas, datasets, ttl, period, duration, redis):
    procs = []
    try:
        mock, mock_addr = start([binary, "--mock", "--listen", "127.0.0.1:0"])
        procs.append(mock)
        redis_url = None
        port = None
        if redis:
            port = free_port()
            procs.append(
                subprocess.Popen(
                    ["redis-server", "--port", str(port), "--bind", "127.0.0.1",
                     "--save", "", "--appendonly", "no"],
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )
            redis_url = f"redis://127.0.0.1:{port}"
            for _ in range(200):
                try:
                    socket.create_connection(("127.0.0.1", port), 0.1).close()
                    break
                except OSError:
                    time.sleep(0.02)
        addrs = []
        for _ in range(replicas):
            args = [binary, "--upstream", f"http://{mock_addr}", "--listen", "127.0.0.1:0",
                    "--cache-ttl", str(ttl),
                    # One address plays every viewer here: no per-client limits.
                    "--rate-limit", "0", "--upstream-rate-limit", "0"]
            if redis_url:
                args += ["--redis", redis_url]
            p, addr = start(args, {"MODELARTS_TOKEN": "scale-run"})
            procs.append(p)
            addrs.append(addr)

        tag = f"scale{os.getpid()}{int(time.time())}{'r' if redis else 'n'}"
        ids = [f"{tag}-{i}" for i in range(datasets)]
        pairs = [(d, r) for d in ids for r in range(replicas)]
        threads = 8
        statuses = {}
        lock = threading.Lock()
        begin = time.monotonic() + 0.5
        end = begin + duration

        def viewer(share):
            conns = {}
            # Staggered: pair k first asked at begin + k/len * period.
            due = [(begin + (k / len(pairs)) * period, d, r) for k, (d, r) in share]
            mine = {}
            while due:
                due.sort()
                at, d, r = due[0]
                if at >= end:
                    break
                now = time.monotonic()
                if at > now:
                    time.sleep(at - now)
                conn = conns.get(r)
                if conn is None:
                    host, port = addrs[r].rsplit(":", 1)
                    conn = conns[r] = http.client.HTTPConnection(host, int(port), timeout=15)
                try:
                    conn.request("GET", f"/api/v2/p/datasets/{d}/sync-data/status")
                    resp = conn.getresponse()
                    resp.read()
                    status = resp.status
                except (OSError, http.client.HTTPException):
                    conns.pop(r, None)
                    status = "error"
                mine[status] = mine.get(status, 0) + 1
                due[0] = (at + period, d, r)
            with lock:
                for k, v in mine.items():
                    statuses[k] = statuses.get(k, 0) + v

        indexed = list(enumerate(pairs))
        workers = [
            threading.Thread(target=viewer, args=(indexed[i::threads],)) for i in range(threads)
        ]
        for w in workers:
            w.start()
        for w in workers:
            w.join()
        elapsed = time.monotonic() - begin
        counts = get_json(mock_addr, "/__mock/requests")["requests"]
        upstream = sum(counts.get(i, 0) for i in ids)
        health = [get_json(a, "/healthz") for a in addrs]
        extra = {}
        if port:
            info = redis_info(port)
            commands = int(info["total_commands_processed"])
            extra = {
                "redis_commands": commands,
                "redis_commands_per_s": round(commands / elapsed, 1),
                "redis_keys": info.get("db0", ""),
                "redis_used_memory_bytes": int(info["used_memory"]),
            }
        return {
            "replicas": replicas,
            "datasets": datasets,
            "ttl_s": ttl,
            "period_s": period,
            "redis": bool(redis),
            "seconds": round(elapsed, 1),
            "viewer_requests": sum(statuses.values()),
            "statuses": {str(k): v for k, v in statuses.items()},
            "upstream_requests": upstream,
            "upstream_per_s": round(upstream / elapsed, 1),
            "model_upper_bound_per_s": round((1 if redis else replicas) * datasets / ttl, 1),
            "redis_state": [h.get("redis") for h in health],
            **extra,
        }
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("binary")
    ap.add_argument("--replicas", type=int, default=5)
    ap.add_argument("--datasets", type=int, default=50)
    ap.add_argument("--ttl", type=float, default=2.0)
    ap.add_argument("--period", type=float, default=0.5)
    ap.add_argument("--duration", type=float, default=30.0)
    ap.add_argument("--redis", action=argparse.BooleanOptionalAction, default=True)
    a = ap.parse_args()
    assert a.duration <= 300, "a bounded run: at most 300 s"
    print(json.dumps(run(a.binary, a.replicas, a.datasets, a.ttl, a.period, a.duration, a.redis)))


if __name__ == "__main__":
    main()
