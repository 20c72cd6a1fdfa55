#!/usr/bin/env python3
"""Compile-time benchmark (issue 15), outside the test command:

  python3 benches/compile_time.py [--runs N] [--skip-cold] [--skip-rebuild]

1. Rebuilds of an instrumented crate: 200 labelled metrics and 200 functions (each updating one metric), written
   three ways in one generated workspace: with obs (`#[obs::metric]` + `#[obs::traced]`), by hand with the peer
   crates (prometheus statics, `#[autometrics]`, `#[tracing::instrument]`), and as plain Rust (atomics, no
   instrumentation). Each is built once, then `touch src/lib.rs` + `cargo build` is timed (median of N), debug and
   release. Ratios obs ÷ peer and obs ÷ plain are printed.
2. Cold builds of a library declaring one counter: obs without default features, obs with them, the `prometheus`
   crate (default-features = false) and the `metrics` facade, each in its own empty target dir, with the crate
   count of its build (`cargo tree -e normal`).

Everything is generated under one directory in /tmp (its own CARGO_TARGET_DIRs), deleted at the end. The project's
Cargo.lock is copied in, so every peer resolves to the version the benches already use and nothing is fetched.
Builds use `-j 2`. Note `uptime` beside the figures: the machine may be shared.
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
N_METRICS = 200
JOBS = "2"


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


def obs_crate(n):
    out = [
        "//! Generated: 200 labelled metrics and 200 #[traced] functions, with obs.\n",
        "#[derive(obs::LabelValue, Clone, Copy)]\npub enum Method { Get, Post }\n",
        "#[derive(obs::Labels)]\npub struct Route { pub method: Method, pub route: &'static str }\n",
    ]
    for i in range(n):
        if i % 2 == 0:
            out.append(f"/// Requests of part {i}.\n#[obs::metric(counter, labels = Route)]\npub struct Requests{i};\n")
            update = f"Requests{i}.with(Route {{ method: Method::Get, route: \"/r{i}\" }}).inc();"
        else:
            out.append(
                f"/// Latency of part {i}.\n#[obs::metric(histogram, labels = Route, unit = \"seconds\")]\n"
                f"pub struct Latency{i};\n"
            )
            update = f"Latency{i}.with(Route {{ method: Method::Post, route: \"/r{i}\" }}).observe(x as f64);"
        out.append(f"#[obs::traced]\npub fn work{i}(x: u64) -> u64 {{\n    {update}\n    x.wrapping_mul({i + 3})\n}}\n")
    return "".join(out)


def peer_crate(n):
    out = [
        "//! Generated: the same 200 metrics and functions by hand: prometheus statics, #[autometrics],\n",
        "//! #[tracing::instrument].\n",
        "use prometheus::{HistogramOpts, HistogramVec, IntCounterVec, Opts};\nuse std::sync::LazyLock;\n",
    ]
    for i in range(n):
        if i % 2 == 0:
            out.append(
                f"/// Requests of part {i}.\npub static REQUESTS_{i}: LazyLock<IntCounterVec> = LazyLock::new(|| {{\n"
                f"    let m = IntCounterVec::new(Opts::new(\"requests_{i}_total\", \"Requests of part {i}.\"), "
                f"&[\"method\", \"route\"]).unwrap();\n"
                f"    prometheus::register(Box::new(m.clone())).unwrap();\n    m\n}});\n"
            )
            update = f"REQUESTS_{i}.with_label_values(&[\"get\", \"/r{i}\"]).inc();"
        else:
            out.append(
                f"/// Latency of part {i}.\npub static LATENCY_{i}: LazyLock<HistogramVec> = LazyLock::new(|| {{\n"
                f"    let m = HistogramVec::new(HistogramOpts::new(\"latency_{i}_seconds\", \"Latency of part {i}.\"), "
                f"&[\"method\", \"route\"]).unwrap();\n"
                f"    prometheus::register(Box::new(m.clone())).unwrap();\n    m\n}});\n"
            )
            update = f"LATENCY_{i}.with_label_values(&[\"post\", \"/r{i}\"]).observe(x as f64);"
        out.append(
            f"#[autometrics::autometrics]\n#[tracing::instrument(skip_all)]\n"
            f"pub fn work{i}(x: u64) -> u64 {{\n    {update}\n    x.wrapping_mul({i + 3})\n}}\n"
        )
    return "".join(out)


def plain_crate(n):
    out = ["//! Generated: the same 200 functions, uninstrumented, each bumping an atomic.\n",
           "use std::sync::atomic::{AtomicU64, Ordering};\n"]
    for i in range(n):
        out.append(f"pub static COUNT_{i}: AtomicU64 = AtomicU64::new(0);\n")
        out.append(
            f"pub fn work{i}(x: u64) -> u64 {{\n    COUNT_{i}.fetch_add(x, Ordering::Relaxed);\n"
            f"    x.wrapping_mul({i + 3})\n}}\n"
        )
    return "".join(out)


def one_counter(kind):
    if kind.startswith("obs"):
        return "/// Jobs done.\n#[obs::metric(counter)]\npub struct Jobs;\npub fn job() { Jobs.inc(); }\n"
    if kind == "prometheus":
        return ("use std::sync::LazyLock;\npub static JOBS: LazyLock<prometheus::IntCounter> = LazyLock::new(|| {\n"
                "    let c = prometheus::IntCounter::new(\"jobs_total\", \"Jobs done.\").unwrap();\n"
                "    prometheus::register(Box::new(c.clone())).unwrap();\n    c\n});\n"
                "pub fn job() { JOBS.inc(); }\n")
    return "pub fn job() { metrics::counter!(\"jobs_total\").increment(1); }\n"


def manifest(name, deps):
    return (f"[package]\nname = \"{name}\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n"
            f"[dependencies]\n{deps}\n")


def cargo(args, cwd, target, capture=False):
    env = dict(os.environ, CARGO_TARGET_DIR=target)
    r = subprocess.run(["cargo", *args], cwd=cwd, env=env, text=True,
                       stdout=subprocess.PIPE if capture else subprocess.DEVNULL, stderr=subprocess.PIPE)
    if r.returncode != 0:
        sys.exit(f"cargo {' '.join(args)} failed in {cwd}:\n{r.stderr[-4000:]}")
    return r.stdout


def timed_build(cwd, target, release):
    args = ["build", "-q", "--offline", "-j", JOBS] + (["--release"] if release else [])
    t = time.monotonic()
    cargo(args, cwd, target)
    return time.monotonic() - t


def crate_count(cwd, target):
    out = cargo(["tree", "--offline", "-e", "normal", "--prefix", "none", "--format", "{p}"], cwd, target, True)
    return len({line.removesuffix(" (*)") for line in out.splitlines() if line.strip()})


def obs_dep(lean):
    path = ROOT.replace("\\", "/")
    return f"obs = {{ path = \"{path}\"{', default-features = false' if lean else ''} }}"


def rebuilds(work, runs, n, profiles):
    ws = os.path.join(work, "rebuild")
    variants = {
        # A library declaring its metrics depends on obs without default features; its expansion is the same
        # either way (no cfg in expansions), and the rebuild compiles only this crate.
        "obs": (obs_dep(lean=True), obs_crate(n)),
        "peer": ("prometheus = { version = \"0.14\", default-features = false }\n"
                 "autometrics = { version = \"3\", default-features = false, features = [\"prometheus-0_14\"] }\n"
                 "tracing = \"0.1\"", peer_crate(n)),
        "plain": ("", plain_crate(n)),
    }
    write(os.path.join(ws, "Cargo.toml"),
          "[workspace]\nmembers = [" + ", ".join(f"\"{v}\"" for v in variants) + "]\nresolver = \"2\"\n")
    shutil.copy(os.path.join(ROOT, "Cargo.lock"), os.path.join(ws, "Cargo.lock"))
    for v, (deps, src) in variants.items():
        write(os.path.join(ws, v, "Cargo.toml"), manifest(f"gen-{v}", deps))
        write(os.path.join(ws, v, "src", "lib.rs"), src)
    target = os.path.join(work, "target-rebuild")
    results = {}
    for profile in profiles:
        release = profile == "release"
        for v in variants:
            cwd = os.path.join(ws, v)
            timed_build(cwd, target, release)  # dependencies, and the crate once
            times = []
            for _ in range(runs):
                os.utime(os.path.join(cwd, "src", "lib.rs"))
                times.append(timed_build(cwd, target, release))
            results[(v, profile)] = statistics.median(times)
            print(f"  rebuild {v:<6} {profile:<7} {results[(v, profile)]:6.2f} s  (runs: "
                  + ", ".join(f"{t:.2f}" for t in times) + ")", flush=True)
    shutil.rmtree(target, ignore_errors=True)
    return results


def cold(work):
    kinds = {
        "obs lean": obs_dep(lean=True),
        "obs default": obs_dep(lean=False),
        "prometheus": "prometheus = { version = \"0.14\", default-features = false }",
        "metrics": "metrics = \"0.24\"",
    }
    results = {}
    for kind, deps in kinds.items():
        d = os.path.join(work, "cold-" + kind.replace(" ", "-"))
        write(os.path.join(d, "Cargo.toml"), manifest("one-counter", deps) + "\n[workspace]\n")
        write(os.path.join(d, "src", "lib.rs"), one_counter(kind))
        shutil.copy(os.path.join(ROOT, "Cargo.lock"), os.path.join(d, "Cargo.lock"))
        target = os.path.join(work, "target-cold")
        shutil.rmtree(target, ignore_errors=True)
        secs = timed_build(d, target, release=False)
        n = crate_count(d, target)
        shutil.rmtree(target, ignore_errors=True)
        results[kind] = (secs, n)
        print(f"  cold {kind:<12} {secs:6.1f} s  {n:4d} crates", flush=True)
    return results


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3, help="timed rebuilds per variant and profile (median)")
    ap.add_argument("--skip-cold", action="store_true")
    ap.add_argument("--skip-rebuild", action="store_true")
    ap.add_argument("--n", type=int, default=N_METRICS, help="metrics and functions in the generated crate")
    ap.add_argument("--profiles", default="debug,release", help="profiles of the rebuilds, comma-separated")
    a = ap.parse_args()
    cpu = next((l.split(":", 1)[1].strip() for l in subprocess.run(["lscpu"], capture_output=True, text=True)
                .stdout.splitlines() if l.startswith("Model name")), "unknown CPU")
    print(f"CPU: {cpu}, {os.cpu_count()} cores; cargo -j {JOBS}")
    print(f"load before: {subprocess.run(['uptime'], capture_output=True, text=True).stdout.strip()}", flush=True)
    work = tempfile.mkdtemp(prefix="obs-compile-time-", dir="/tmp")
    try:
        if not a.skip_rebuild:
            print(f"Rebuild (touch src/lib.rs + cargo build) of {a.n} labelled metrics + {a.n} "
                  f"instrumented functions, median of {a.runs}:")
            r = rebuilds(work, a.runs, a.n, a.profiles.split(","))
            print("\n| profile | obs | peer (prometheus + autometrics + tracing) | plain | obs ÷ peer | obs ÷ plain |")
            print("|---|---|---|---|---|---|")
            for p in a.profiles.split(","):
                o, pe, pl = r[("obs", p)], r[("peer", p)], r[("plain", p)]
                print(f"| {p} | {o:.2f} s | {pe:.2f} s | {pl:.2f} s | {o / pe:.2f}× | {o / pl:.2f}× |")
            print(flush=True)
        if not a.skip_cold:
            print("Cold debug build of a library declaring one counter (empty target dir):")
            c = cold(work)
            ps, pn = c["prometheus"]
            print("\n| library depends on | cold build | crates | ÷ prometheus (time) | ÷ prometheus (crates) |")
            print("|---|---|---|---|---|")
            for k, (s, n) in c.items():
                print(f"| {k} | {s:.1f} s | {n} | {s / ps:.2f}× | {n / pn:.2f}× |")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"\nload after: {subprocess.run(['uptime'], capture_output=True, text=True).stdout.strip()}")


if __name__ == "__main__":
    main()
