#!/usr/bin/env python3
"""The real stack, end to end: the demo service scraped by a live Prometheus, every generated dashboard query
answering, generated alerts firing through a live Alertmanager into a webhook sink, and traces decoded by an
independent OTLP receiver.

Run by scripts/test.sh (`python3 scripts/e2e.py`). Everything listens on 127.0.0.1; the run is bounded to ten
minutes and every process it starts is stopped at the end. Artifacts (generated files, logs, dashboard pictures)
go to the folder given by --artifacts (default: target/e2e).

Alerts fire fast because the artifacts are generated with `--time-scale 60` (gen-dashboards' `--fast-alerts`):
every `for`, burn-rate window, rate window and Alertmanager interval is divided by 60, so one hour is a minute.
"""
import argparse
import http.server
import json
import math
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
TIME_BOX = 600.0
STARTED = time.monotonic()
JOB = "shop"
# Every panel query must return data. A panel that cannot answer against the live demo is named here, with the
# reason, as "<dashboard file> / <panel title>": never a share of the panels. None is today.
ALLOWED_EMPTY = {}


class Failure(Exception):
    pass


def log(msg):
    print(f"[e2e {time.monotonic() - STARTED:6.1f}s] {msg}", flush=True)


def remaining():
    return TIME_BOX - (time.monotonic() - STARTED)


def free_ports(n):
    """`n` distinct free ports: every socket is held until all are bound, since a port released at once can be
    handed out again by the next bind (two servers were once given the same one)."""
    socks = []
    try:
        for _ in range(n):
            s = socket.socket()
            socks.append(s)
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def request(method, url, body=None, headers=None, timeout=10):
    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError) as e:
        return None, str(e).encode()


def wait_until(what, pred, timeout, step=0.5):
    deadline = time.monotonic() + min(timeout, remaining())
    last = None
    while time.monotonic() < deadline:
        try:
            last = pred()
            if last:
                return last
        except Exception as e:  # a server still starting
            last = e
        time.sleep(step)
    raise Failure(f"timed out waiting for {what} (last: {last!r})")


class Processes:
    """Child processes in their own sessions, so a stop takes their children too."""

    def __init__(self, logs):
        self.logs = logs
        self.procs = []

    def start(self, name, cmd, env=None, cwd=None):
        out = open(self.logs / f"{name}.log", "wb")
        p = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})},
                             cwd=cwd, start_new_session=True)
        self.procs.append((name, p, out))
        log(f"started {name} (pid {p.pid})")
        return p

    def check_alive(self):
        for name, p, _ in self.procs:
            if p.poll() is not None:
                tail = (self.logs / f"{name}.log").read_text(errors="replace")[-2000:]
                raise Failure(f"{name} exited with {p.returncode}:\n{tail}")

    def stop_all(self):
        for _, p, _ in self.procs:
            if p.poll() is None:
                try:
                    os.killpg(p.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        deadline = time.monotonic() + 10
        for name, p, out in self.procs:
            try:
                p.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait()
            out.close()


class Sink:
    """A webhook receiver on loopback recording what Alertmanager posts, with the time it arrived."""

    def __init__(self):
        self.received = []
        sink = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                try:
                    payload = json.loads(body)
                except ValueError:
                    payload = {"unparseable": body.decode(errors="replace")}
                sink.received.append((time.monotonic(), self.path, payload))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def notifications(self, alertname, status, since=0):
        """(arrival, path, receiver, alert) for every notification of `alertname` in `status`, from the
        `since`-th notification received on."""
        out = []
        for t, path, payload in self.received[since:]:
            for a in payload.get("alerts", []):
                if a.get("labels", {}).get("alertname") == alertname and a.get("status") == status:
                    out.append((t, path, payload.get("receiver"), a))
        return out


class Prometheus:
    def __init__(self, base):
        self.base = base

    def api(self, path, **params):
        status, body = request("GET", f"{self.base}/api/v1/{path}?{urllib.parse.urlencode(params)}")
        if status is None:
            raise Failure(f"Prometheus unreachable: {body!r}")
        return json.loads(body)

    def query(self, expr):
        return self.api("query", query=expr)

    def names(self):
        return set(self.api("label/__name__/values")["data"])

    def alerts(self):
        return self.api("alerts")["data"]["alerts"]

    def rules(self):
        return [r for g in self.api("rules")["data"]["groups"] for r in g["rules"]]


# --- dashboards -------------------------------------------------------------------------------------------------

PROMQL_WORDS = {
    "by", "without", "on", "ignoring", "group_left", "group_right", "bool", "and", "or", "unless", "offset", "inf",
    "nan", "le", "atan2",
}


def panels_of(dashboard):
    """Every panel, rows' children included."""
    for p in dashboard.get("panels", []):
        yield p
        yield from p.get("panels", [])


def substitute(expr, variables):
    """Replaces Grafana variables the way Grafana would for the dashboard's defaults."""
    builtins = {"__rate_interval": "1m", "__interval": "15s", "__range": "5m", "__range_s": "300",
                "__interval_ms": "15000"}

    def repl(m):
        name = m.group(1) or m.group(2) or m.group(3)
        if name in builtins:
            return builtins[name]
        return variables.get(name, ".*")

    return re.sub(r"\$\{(\w+)(?::\w+)?\}|\[\[(\w+)\]\]|\$(\w+)", repl, expr)


def metric_names_in(expr):
    """The metric names an expression selects (strings, label matchers, grouping lists and functions removed)."""
    e = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)
    e = re.sub(r"\{[^}]*\}", " ", e)
    e = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", e)
    e = re.sub(r"\[[^\]]*\]", " ", e)
    names = set()
    for m in re.finditer(r"[a-zA-Z_:][a-zA-Z0-9_:]*", e):
        tok, rest = m.group(0), e[m.end():].lstrip()
        if rest.startswith("(") or tok.lower() in PROMQL_WORDS:
            continue
        names.add(tok)
    return names


def exposed_names(metrics_url):
    """Sample names the service declares, from its `# TYPE` lines: a family with no series yet is still known."""
    status, body = request("GET", metrics_url)
    if status != 200:
        raise Failure(f"{metrics_url} answered {status}")
    names = set()
    for line in body.decode().splitlines():
        m = re.match(r"# TYPE (\S+) (\S+)", line)
        if m:
            name, kind = m.groups()
            names.add(name)
            if kind == "histogram":
                names.update(f"{name}{s}" for s in ("_bucket", "_sum", "_count"))
    return names


def check_dashboards(prom, dashboards_dir, report, metrics_url, quiet=False):
    known = prom.names() | exposed_names(metrics_url) | {r["name"] for r in prom.rules() if r["type"] == "recording"}
    total, errors, empties, broken = 0, [], [], []
    for path in sorted(dashboards_dir.glob("*.json")):
        d = json.loads(path.read_text())
        variables = {"job": JOB, "instance": ".*", "datasource": "prometheus"}
        for panel in panels_of(d):
            for target in panel.get("targets", []):
                expr = target.get("expr")
                if not expr:
                    continue
                total += 1
                q = substitute(expr, variables)
                where = f"{path.name} / {panel.get('title', '?')}"
                r = prom.query(q)
                if r.get("status") != "success":
                    errors.append((where, q, r.get("error")))
                    continue
                if r["data"]["result"]:
                    continue
                unknown = sorted(n for n in metric_names_in(q) if n not in known)
                if unknown:
                    broken.append((where, q, f"unknown metric {', '.join(unknown)}"))
                else:
                    empties.append((where, q, "the metrics exist, but no series matches or no samples in range"))
    allowed = [e for e in empties if e[0] in ALLOWED_EMPTY]
    unexpected = [e for e in empties if e[0] not in ALLOWED_EMPTY]
    report["panels"] = {"queried": total, "errors": len(errors), "empty": len(empties), "broken": len(broken),
                        "allowed_empty": len(allowed)}
    for where, q, why in ([] if quiet else errors + broken + empties):
        kind = "FAILED" if (where, q, why) not in empties else "EMPTY (allowed)" if where in ALLOWED_EMPTY else "EMPTY"
        log(f"  {kind} {where}: {q}  -- {ALLOWED_EMPTY.get(where, why)}")
    answered = total - len(errors) - len(empties) - len(broken)
    if not quiet:
        log(f"panels: {total} queried, {answered} with data, {len(errors)} errors, {len(broken)} broken, "
            f"{len(empties)} empty ({len(allowed)} of them allowed)")
    if total == 0:
        raise Failure("no panel queries found in the generated dashboards")
    if errors or broken:
        raise Failure(f"{len(errors)} queries failed and {len(broken)} name unknown metrics")
    if unexpected:
        raise Failure(f"{len(unexpected)} of {total} queries returned no data: "
                      + "; ".join(where for where, _, _ in unexpected))


def self_test_broken_query(prom, dashboards_dir, metrics_url):
    """A misspelt metric name in a generated query must be caught: prove it on a copy of a real dashboard."""
    src = next(iter(sorted(dashboards_dir.glob("*.json"))))
    d = json.loads(src.read_text())
    for panel in panels_of(d):
        for t in panel.get("targets", []):
            if t.get("expr") and "shop_" in t["expr"]:
                t["expr"] = t["expr"].replace("shop_", "shpo_", 1)
                broken_dir = dashboards_dir.parent / "broken-dashboards"
                broken_dir.mkdir(exist_ok=True)
                (broken_dir / src.name).write_text(json.dumps(d))
                try:
                    check_dashboards(prom, broken_dir, {}, metrics_url, quiet=True)
                except Failure as e:
                    log(f"self-test: a misspelt metric makes the check fail as it should ({e})")
                    return
                raise Failure("self-test: a misspelt metric name was NOT detected")
    raise Failure("self-test: no dashboard query of a shop_ metric to break")


def check_exposition(metrics_url, dashboards_dir, report):
    """The live /metrics passes promtool, and every family it exposes (bar the standard process metrics) is
    queried by at least one generated panel."""
    status, body = request("GET", metrics_url)
    out = subprocess.run(["promtool", "check", "metrics"], input=body, capture_output=True, timeout=30)
    lint = (out.stdout + out.stderr).decode().strip()
    if out.returncode != 0 or lint:
        raise Failure(f"promtool check metrics on the live service: {lint}")
    families = {m.group(1) for m in re.finditer(r"^# TYPE (\S+) ", body.decode(), re.M)}
    families = {f for f in families if not f.startswith("process_")}
    exprs = " ".join(t.get("expr", "") for path in dashboards_dir.glob("*.json")
                     for p in panels_of(json.loads(path.read_text())) for t in p.get("targets", []))
    used = set(re.findall(r"[a-zA-Z_:][a-zA-Z0-9_:]*", exprs))
    missing = sorted(f for f in families
                     if not ({f, f + "_bucket", f + "_count", f + "_sum", f.removesuffix("_total")} & used))
    report["exposition"] = {"families": len(families), "not_in_a_panel": missing}
    if missing:
        raise Failure(f"exposed but in no panel: {', '.join(missing)}")
    log(f"exposition: promtool clean; all {len(families)} exposed families (bar process_*) are in a panel")


def check_recording_rules(prom, report):
    rules = prom.rules()
    recording = [r for r in rules if r["type"] == "recording"]
    bad = [r for r in rules if r.get("health") != "ok" or r.get("lastError")]
    report["rules"] = {"recording": len(recording), "alerting": len(rules) - len(recording), "unhealthy": len(bad)}
    for r in bad:
        log(f"  rule {r['name']}: health={r.get('health')} error={r.get('lastError')}")
    if not recording:
        raise Failure("no recording rules were loaded")
    if bad:
        raise Failure(f"{len(bad)} rules do not evaluate")
    for r in recording:
        res = prom.query(r["name"])
        if res.get("status") != "success":
            raise Failure(f"recording rule {r['name']} cannot be queried: {res.get('error')}")
    log(f"rules: {len(recording)} recording and {len(rules) - len(recording)} alerting rules evaluate")


# --- pictures ---------------------------------------------------------------------------------------------------

def render_dashboards(prom, dashboards_dir, out_dir, minutes=3):
    """Draws every panel of every dashboard from the live Prometheus data, one PNG per dashboard, laid out in
    Grafana's grid order, so a person can see what a user would see."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out_dir.mkdir(parents=True, exist_ok=True)
    end = time.time()
    start = end - minutes * 60
    written = []
    for path in sorted(dashboards_dir.glob("*.json")):
        d = json.loads(path.read_text())
        panels = [p for p in panels_of(d) if p.get("type") != "row" and p.get("targets")]
        panels.sort(key=lambda p: (p.get("gridPos", {}).get("y", 0), p.get("gridPos", {}).get("x", 0)))
        if not panels:
            continue
        cols = 3
        rows = (len(panels) + cols - 1) // cols
        fig, axes = plt.subplots(rows, cols, figsize=(cols * 5.2, rows * 2.6), squeeze=False)
        fig.patch.set_facecolor("#111217")
        for ax in axes.flat:
            ax.set_facecolor("#181b1f")
            ax.tick_params(colors="#ccccdc", labelsize=6)
            for spine in ax.spines.values():
                spine.set_color("#34373d")
            ax.set_visible(False)
        for ax, panel in zip(axes.flat, panels):
            ax.set_visible(True)
            ax.set_title(panel.get("title", ""), color="#ccccdc", fontsize=8, loc="left")
            drawn = 0
            for t in panel["targets"]:
                expr = t.get("expr")
                if not expr:
                    continue
                q = substitute(expr, {"job": JOB, "instance": ".*"})
                r = prom.api("query_range", query=q, start=start, end=end, step=3)
                for series in r.get("data", {}).get("result", [])[:8]:
                    # A native histogram result (a heatmap in Grafana) is drawn as its count over time.
                    values = series.get("values") or [(t, h["count"]) for t, h in series.get("histograms", [])]
                    xs = [float(v[0]) - end for v in values]
                    ys = [float(v[1]) for v in values]
                    label = ",".join(f"{k}={v}" for k, v in series["metric"].items() if k not in ("job", "instance"))
                    ax.plot(xs, ys, linewidth=1, label=label[:40] or t.get("legendFormat", "")[:40])
                    drawn += 1
            if drawn == 0:
                ax.text(0.5, 0.5, "No data", color="#8e8e8e", ha="center", va="center", transform=ax.transAxes)
            elif drawn <= 6 and any(ax.get_legend_handles_labels()[1]):
                ax.legend(fontsize=5, loc="upper left", facecolor="#181b1f", labelcolor="#ccccdc", framealpha=0.6)
        fig.suptitle(d.get("title", path.stem), color="#ccccdc", fontsize=11)
        fig.tight_layout()
        png = out_dir / f"{path.stem}.png"
        fig.savefig(png, dpi=80, facecolor=fig.get_facecolor())
        plt.close(fig)
        written.append(png)
    log(f"pictures: {', '.join(str(p) for p in written)}")
    return written


# --- alerts -----------------------------------------------------------------------------------------------------

def fire_and_resolve(prom, sink, shop, label, fault_query, alertname, severity, report, timeout=150):
    """Sets a fault, waits for `alertname` to fire in Prometheus and reach the sink through the route of
    `severity`, clears the fault and waits for the resolved notification."""
    def state():
        return {a["state"] for a in prom.alerts() if a["labels"].get("alertname") == alertname}

    # Start from quiet, so the alert that fires is the fault's, not a start-up blip's.
    wait_until(f"{alertname} quiet before the fault", lambda: not state(), timeout)
    time.sleep(2)
    seen = len(sink.received)
    log(f"fault: {label} ({fault_query}); expecting {alertname} [{severity}]")
    status, body = request("POST", f"{shop}/faults?{fault_query}")
    if status != 200:
        raise Failure(f"setting the fault failed: {status} {body!r}")
    t0 = time.monotonic()
    if "firing" in state():
        raise Failure(f"{alertname} was already firing before the fault")
    wait_until(f"{alertname} firing in Prometheus", lambda: "firing" in state(), timeout)
    firing = wait_until(f"{alertname} at the webhook sink",
                        lambda: sink.notifications(alertname, "firing", since=seen), timeout)
    arrival, path, receiver, alert = firing[0]
    if alert["labels"].get("severity") != severity:
        raise Failure(f"{alertname} has severity {alert['labels'].get('severity')}, expected {severity}")
    for key in ("summary", "description", "runbook_url"):
        if key not in alert.get("annotations", {}):
            raise Failure(f"{alertname} lacks the {key} annotation")
    latency = arrival - t0
    log(f"  {alertname} fired: webhook {path} via receiver {receiver} after {latency:.1f}s")
    seen = len(sink.received)
    request("DELETE", f"{shop}/faults")
    t1 = time.monotonic()
    resolved = wait_until(f"{alertname} resolved at the sink",
                          lambda: sink.notifications(alertname, "resolved", since=seen), timeout)
    log(f"  {alertname} resolved {resolved[0][0] - t1:.1f}s after the fault was cleared")
    report.setdefault("alerts", []).append({"alert": alertname, "severity": severity, "receiver": receiver,
                                            "fault_to_webhook_s": round(latency, 1),
                                            "clear_to_resolved_s": round(resolved[0][0] - t1, 1)})
    return receiver


# --- SLO metadata and the absent alert ---------------------------------------------------------------------------

META = ("slo:objective:ratio", "slo:error_budget:ratio", "slo:time_period:days", "slo:current_burn_rate:ratio",
        "slo:period_burn_rate:ratio", "slo:period_error_budget_remaining:ratio")


def slo_objectives(rules_file):
    """(slo, sli, objective, budget) of every objective, read from the generated rules' fixed metadata."""
    fixed = {}
    for g in yaml.safe_load(rules_file.read_text())["groups"]:
        for r in g["rules"]:
            if r.get("record") in ("slo:objective:ratio", "slo:error_budget:ratio"):
                key = (r["labels"]["slo"], r["labels"]["sli"])
                value = float(re.fullmatch(r"vector\((.*)\)", r["expr"]).group(1))
                fixed.setdefault(key, {})[r["record"]] = value
    return [(slo, sli, v["slo:objective:ratio"], v["slo:error_budget:ratio"]) for (slo, sli), v in sorted(fixed.items())]


def check_slo_metadata(prom, rules_file, report):
    """Every objective's error-budget metadata evaluates on the live Prometheus, one series each, with the values
    the rules promise: the fixed ones as written, the remaining budget as 1 - the period burn rate, the current burn
    rate as the shortest window's error ratio over the budget."""
    objectives = slo_objectives(rules_file)
    if not objectives:
        raise Failure("the generated rules hold no SLO metadata")
    checked = 0
    for slo, sli, objective, budget in objectives:
        sel = f'{{slo="{slo}", sli="{sli}"}}'
        values = {}
        for record in META:
            res = wait_until(f"{record}{sel} on the live Prometheus",
                             lambda: prom.query(record + sel)["data"]["result"], 60)
            if len(res) != 1:
                raise Failure(f"{record}{sel} has {len(res)} series, expected 1")
            values[record] = float(res[0]["value"][1])
        if abs(values["slo:objective:ratio"] - objective) > 1e-12 or abs(values["slo:error_budget:ratio"] - budget) > 1e-12:
            raise Failure(f"{sel}: objective/budget {values} differ from the rules' {objective}/{budget}")
        if abs(objective + budget - 1) > 1e-9:
            raise Failure(f"{sel}: objective {objective} and budget {budget} do not add up to 1")
        period, remaining = values["slo:period_burn_rate:ratio"], values["slo:period_error_budget_remaining:ratio"]
        if period == period and abs(remaining - (1 - period)) > 1e-9:  # NaN when no call in the period yet
            raise Failure(f"{sel}: remaining budget {remaining} is not 1 - period burn rate {period}")
        # Both read at one evaluation time, a few seconds back: two queries at two moments can straddle a rule
        # evaluation and compare two different samples. A mismatch is retried at a later instant before it fails.
        for attempt in range(5):
            at = time.time() - 5
            ratio = prom.api("query", query=f'{shortest_error_ratio(rules_file)}{sel}', time=at)["data"]["result"]
            cur = prom.api("query", query=f"slo:current_burn_rate:ratio{sel}", time=at)["data"]["result"]
            current = float(cur[0]["value"][1]) if cur else float("nan")
            if not ratio or current != current or abs(float(ratio[0]["value"][1]) / budget - current) <= 1e-6 * max(1, current):
                break
            time.sleep(2)
        else:
            raise Failure(f"{sel}: current burn rate {current} is not the shortest error ratio over the budget")
        checked += 1
        log(f"  SLO {slo} {sli}: objective {objective}, budget remaining {remaining:.3f}, burn rate now {current:.3f}")
    report["slo_metadata"] = {"objectives": checked, "records": len(META)}
    log(f"slo metadata: {checked} objectives x {len(META)} records evaluate live")


def shortest_error_ratio(rules_file):
    windows = []
    for g in yaml.safe_load(rules_file.read_text())["groups"]:
        for r in g["rules"]:
            if r.get("record") == "slo:current_burn_rate:ratio":
                windows.append(r["expr"].split("{")[0])
    return windows[0]


def fire_absent_alert(procs, prom, am, sink, rules_file, report, timeout=120):
    """Stops the demo (the suite's last step): each objective's absent alert fires in Prometheus and reaches
    Alertmanager, which holds it back behind TargetDown (one page for a vanished service, not one per objective:
    the generated inhibition), and TargetDown reaches the page route. Before the stop no absent alert fires."""
    absent = sorted({r["alert"] for g in yaml.safe_load(rules_file.read_text())["groups"] for r in g["rules"]
                     if r.get("alert", "").endswith("MetricAbsent")})
    if not absent:
        raise Failure("the generated rules hold no absent alert")
    firing = {a["labels"]["alertname"] for a in prom.alerts() if a["labels"].get("alertname") in absent}
    if firing:
        raise Failure(f"absent alerts firing while the demo runs: {sorted(firing)}")
    seen = len(sink.received)
    name, p, _ = next(entry for entry in procs.procs if entry[0] == "shop")
    log(f"stopping the demo (pid {p.pid}); expecting {', '.join(absent)}")
    os.killpg(p.pid, signal.SIGTERM)
    p.wait(timeout=30)
    t0 = time.monotonic()

    def in_alertmanager(alertname):
        status, body = request("GET", f"http://{am}/api/v2/alerts?filter=" +
                               urllib.parse.quote(f'alertname="{alertname}"'))
        return [a for a in json.loads(body or "[]") if status == 200]

    fired = {}
    for alertname in absent:
        wait_until(f"{alertname} firing in Prometheus",
                   lambda: any(a["labels"].get("alertname") == alertname and a["state"] == "firing"
                               for a in prom.alerts()), timeout)
        held = wait_until(f"{alertname} in Alertmanager, inhibited by TargetDown",
                          lambda: [a for a in in_alertmanager(alertname)
                                   if a["status"]["state"] == "suppressed" and a["status"]["inhibitedBy"]], timeout)
        if held[0]["labels"].get("severity") != "critical":
            raise Failure(f"{alertname} is not critical: {held[0]['labels']}")
        fired[alertname] = round(time.monotonic() - t0, 1)
        log(f"  {alertname} fired {fired[alertname]}s after the demo stopped; Alertmanager holds it behind TargetDown")
    down = wait_until("TargetDown at the webhook sink", lambda: sink.notifications("TargetDown", "firing", since=seen),
                      timeout)
    leaked = [a for name in absent for a in sink.notifications(name, "firing", since=seen)]
    if leaked:
        raise Failure(f"absent alerts notified despite TargetDown: {leaked}")
    log(f"  TargetDown paged via receiver {down[0][2]}; the absent alerts stayed inhibited")
    report["absent_alerts"] = {"fired_after_stop_s": fired, "inhibited_by": "TargetDown", "target_down_receiver": down[0][2]}


# --- traces -----------------------------------------------------------------------------------------------------

def spans_of(path):
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def python_client_request(url, endpoint):
    """A request from Python under its own span (official SDK), with the SDK's `traceparent`; returns the ids."""
    from opentelemetry import trace
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

    provider = TracerProvider(resource=Resource.create({"service.name": "e2e-client"}))
    provider.add_span_processor(SimpleSpanProcessor(OTLPSpanExporter(endpoint=f"{endpoint}/v1/traces")))
    tracer = provider.get_tracer("e2e-client")
    with tracer.start_as_current_span("browse books", kind=trace.SpanKind.CLIENT) as span:
        headers = {}
        TraceContextTextMapPropagator().inject(headers)
        status, _ = request("GET", url, headers=headers)
        ids = span.get_span_context()
    provider.shutdown()
    if status != 200:
        raise Failure(f"the Python client's request answered {status}")
    return f"{ids.trace_id:032x}", f"{ids.span_id:016x}"


def check_traces(spans_file, shop, otlp, report):
    trace_id, client_span = python_client_request(f"{shop}/catalogue/books", otlp)

    def joined():
        spans = spans_of(spans_file)
        return [s for s in spans if s["trace_id"] == trace_id and s["service_name"] == "shop"
                and s["parent_span_id"] == client_span]

    server = wait_until("the shop's span in the Python client's trace", joined, 30)[0]
    log(f"  the Python SDK client's trace {trace_id} continues in the shop: '{server['name']}' "
        f"(kind {server['kind']}) is a child of the client's span")

    def checkout_trace():
        spans = spans_of(spans_file)
        by_id = {s["span_id"]: s for s in spans}
        for provider_span in (s for s in spans if s["service_name"] == "payment-provider"):
            charge = by_id.get(provider_span["parent_span_id"])
            if not charge or charge["name"] != "charge":
                continue
            order = by_id.get(charge["parent_span_id"])
            root = order and by_id.get(order["parent_span_id"])
            if order and order["name"] == "place_order" and root and root["name"] == "POST /checkout":
                queries = [s for s in spans if s["parent_span_id"] == order["span_id"] and s["name"] == "query"]
                if queries and len({root["trace_id"], order["trace_id"], charge["trace_id"],
                                    provider_span["trace_id"]}) == 1:
                    return root, order, charge, provider_span, queries
        return None

    root, order, charge, provider_span, queries = wait_until("a checkout trace reaching the Python provider",
                                                             checkout_trace, 60)
    # OTLP's SpanKind: 2 is SERVER, 3 is CLIENT.
    kinds = tuple(str(k) for k in (root["kind"], charge["kind"], provider_span["kind"]))
    if kinds not in (("2", "3", "2"), ("SPAN_KIND_SERVER", "SPAN_KIND_CLIENT", "SPAN_KIND_SERVER")):
        raise Failure(f"span kinds are wrong: {kinds}")
    log(f"  checkout trace {root['trace_id']}: '{root['name']}' -> '{order['name']}' -> "
        f"'{queries[0]['name']}' + '{charge['name']}' -> payment-provider '{provider_span['name']}'")

    def failed_charge():
        # OTLP's StatusCode 2 is ERROR.
        return [s for s in spans_of(spans_file)
                if s["name"] == "charge" and str(s["status_code"]) in ("2", "STATUS_CODE_ERROR")]

    http_fault = request("POST", f"{shop}/faults?error_rate=1")
    if http_fault[0] != 200:
        raise Failure(f"setting error_rate failed: {http_fault}")
    failed = wait_until("a failed charge span with error status", failed_charge, 60)[0]
    request("DELETE", f"{shop}/faults")
    log(f"  a failed payment is a 'charge' span with status ERROR: {failed['status_message']!r}")
    spans = spans_of(spans_file)
    report["traces"] = {"spans_received": len(spans),
                        "services": sorted({s["service_name"] for s in spans}),
                        "cross_language_joined": 2}


def check_otlp_metrics_only(shop_bin, art, procs, payment_url, report):
    """A second demo with `OTEL_METRICS_EXPORTER=otlp` only: its metrics reach an independent OTLP receiver
    (scripts/otlp_metrics_receiver.py, PyPI opentelemetry-proto), and its /metrics is not served while /ready is."""
    out_file, port_file = art / "otlp-metrics.jsonl", art / "otlp-metrics.port"
    procs.start("otlp-metrics-receiver", [sys.executable, str(ROOT / "scripts" / "otlp_metrics_receiver.py"),
                                          str(port_file), str(out_file)])
    wait_until("the OTLP metrics receiver", lambda: port_file.exists() and port_file.read_text().strip(), 30)
    endpoint = f"http://127.0.0.1:{port_file.read_text().strip()}/v1/metrics"
    metrics_port, shop_port = free_ports(2)
    procs.start("shop-otlp-only", [str(shop_bin)], env={
        "OTEL_EXPORTER_PROMETHEUS_HOST": "127.0.0.1", "OTEL_EXPORTER_PROMETHEUS_PORT": str(metrics_port),
        "SHOP_ADDR": f"127.0.0.1:{shop_port}", "OBS_BUILD_COMMIT": "e2e-otlp", "OTEL_METRICS_EXPORTER": "otlp",
        "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT": endpoint, "OTEL_METRIC_EXPORT_INTERVAL": "1000",
        "PAYMENT_URL": payment_url})
    base = f"http://127.0.0.1:{metrics_port}"
    wait_until("the OTLP-only shop's /ready", lambda: request("GET", f"{base}/ready")[0] == 200, 60)
    status = request("GET", f"{base}/metrics")[0]
    if status != 404:
        raise Failure(f"/metrics answered {status} with OTEL_METRICS_EXPORTER=otlp")

    def served():
        pushes = [json.loads(line) for line in out_file.read_text().splitlines() if line.strip()]
        for push in reversed(pushes):
            metrics = {m["name"]: m for s in push["scopes"] for m in s["metrics"]}
            reqs = metrics.get("http_server_requests", {}).get("points", [])
            calls = metrics.get("function_calls", {}).get("points", [])
            if reqs and calls and sum(p["value"] for p in reqs) > 0:
                return push, metrics
        return None

    push, metrics = wait_until("pushed HTTP and traced-function metrics", served, 60)
    if push["resource"].get("service.name") != "shop":
        raise Failure(f"service.name of the push: {push['resource']}")
    wrong = [n for n, m in metrics.items() if m["type"] == "sum" and m["monotonic"] and m["temporality"] != "cumulative"]
    if wrong or any(n.endswith("_total") for n in metrics):
        raise Failure(f"counters not cumulative monotonic sums without _total: {wrong}")
    if metrics["http_server_request_duration"]["unit"] != "s":
        raise Failure("the duration's unit is not UCUM seconds")
    report["otlp_metrics_only"] = {"pushes": len(out_file.read_text().splitlines()), "families": len(metrics)}
    log(f"OTLP-only demo: {len(metrics)} families pushed, /metrics 404")


# --- the incident drill ------------------------------------------------------------------------------------------

def samples(metrics_url, name):
    """(labels, value) of every sample of `name` in the service's text exposition."""
    status, body = request("GET", metrics_url)
    if status != 200:
        raise Failure(f"{metrics_url} answered {status}")
    out = []
    for line in body.decode().splitlines():
        m = re.match(r"([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)", line)
        if m and m.group(1) == name:
            labels = dict(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', m.group(2) or ""))
            out.append((labels, float(m.group(3))))
    return out


def sample_sum(metrics_url, name, **labels):
    """The sum of `name`'s samples whose labels include `labels`."""
    return sum(v for have, v in samples(metrics_url, name) if all(have.get(k) == v for k, v in labels.items()))


def incident_drill(shop, ops, art, catalog, report):
    """What an operator meets on a bad day, driven through the demo's public surfaces while Prometheus scrapes, so
    every family the dashboards chart for it has series: a frontend release that reports raw URLs as RUM pages
    (the page label's cap overflows) from browsers of which some cannot measure LCP (dropped NaNs); a payment
    provider outage (5xx on /checkout); an operator pulling the flight recorder (requested dumps); and a flapping
    critical database check (an automatic dump, then dumps skipped as rate-limited).

    It comes in two waves a few scrapes apart: a counter's first sample only makes its series, so the second wave
    is what the dashboards' rates show."""
    metrics_url = f"{ops}/metrics"
    lcp = "shop_largest_contentful_paint_seconds"
    cap = next(f["cap"] for f in json.loads(catalog.read_text())["families"] if f["name"] == lcp)
    # The frontend's pages by route name, then a release that reports raw URLs: past the cap, new pages go to the
    # overflow series.
    pages = ["/", "/catalogue/{category}", "/cart", "/checkout"]
    pages += [f"/catalogue/books?utm_campaign=spring-{n}" for n in range(cap + 10)]
    drill = {"rum_pages": len(pages), "checkouts": [], "flight_request_spans": []}

    def rum(wave):
        for k, page in enumerate(wave):
            send_beacon(shop, BEACONS[k], lcp_ms=round(BEACONS[k] * 800, 1), page=page)
        send_beacon(shop, BEACONS[-1], lcp_ms="NaN", page="/")  # a browser without the LCP API

    def payment_outage():
        """The payment provider fails: a checkout answers 502 until the fault is cleared."""
        if request("POST", f"{shop}/faults?error_rate=1")[0] != 200:
            raise Failure("setting error_rate=1 failed")
        try:
            codes = []
            for _ in range(20):
                request("POST", f"{shop}/cart/1")
                codes.append(request("POST", f"{shop}/checkout")[0])
                if codes[-1] == 502:
                    break
        finally:
            request("DELETE", f"{shop}/faults")
        if 502 not in codes:
            raise Failure(f"no checkout failed with the payment provider down: {codes}")
        drill["checkouts"].append(codes)

    def pull_flight_recorder():
        """The operator pulls the last 30 s (the obs endpoint has no bearer token in this run)."""
        status, body = request("GET", f"{ops}/debug/flight?last=30s")
        if status != 200:
            raise Failure(f"GET /debug/flight answered {status}: {body[:200]!r}")
        spans = sum(len(ss.get("spans", [])) for line in body.decode().splitlines() if line.strip()
                    for rs in json.loads(line).get("resourceSpans", []) for ss in rs.get("scopeSpans", []))
        if spans == 0:
            raise Failure("GET /debug/flight served no span")
        drill["flight_request_spans"].append(spans)

    def fail_database_once():
        """The critical database check fails until /ready says so, then recovers."""
        if request("POST", f"{shop}/faults?fail_database=true")[0] != 200:
            raise Failure("setting fail_database failed")
        try:
            wait_until("/ready 503 with the database failing", lambda: request("GET", f"{ops}/ready")[0] == 503, 10,
                       step=0.1)
        finally:
            request("DELETE", f"{shop}/faults")
        wait_until("/ready 200 again", lambda: request("GET", f"{ops}/ready")[0] == 200, 10, step=0.1)

    # Wave 1. The database's first failure dumps the recorder; the next ones, within the minimum interval between
    # automatic dumps (a minute), are skipped as rate-limited.
    started = time.monotonic()
    rum(pages[:cap + 4])
    payment_outage()
    pull_flight_recorder()
    fail_database_once()
    wait_until("an automatic flight dump on the failing critical check",
               lambda: sample_sum(metrics_url, "obs_flight_dumps_total", trigger="health") >= 1, 15, step=0.2)
    files = sorted((art / "tmp" / "shop-flight").glob("flight-*-health.jsonl"))
    if not files:
        raise Failure(f"obs_flight_dumps_total{{trigger=\"health\"}} counted, but no dump file in {art / 'tmp'}")
    drill["health_dump"] = files[0].name
    fail_database_once()
    wait_until("a dump skipped as rate-limited",
               lambda: sample_sum(metrics_url, "obs_flight_dumps_skipped_total", reason="rate_limited") >= 1, 15,
               step=0.2)
    time.sleep(max(0.0, started + 3 - time.monotonic()))  # Prometheus scrapes every second

    # Wave 2: the regular pages report again, the raw URLs go on.
    rum(pages[:4] + pages[cap + 4:])
    payment_outage()
    pull_flight_recorder()
    fail_database_once()
    wait_until("a second dump skipped as rate-limited",
               lambda: sample_sum(metrics_url, "obs_flight_dumps_skipped_total", reason="rate_limited") >= 2, 15,
               step=0.2)

    overflow = sample_sum(metrics_url, "obs_cardinality_overflow_total", metric=lcp, reason="cardinality")
    dropped = sample_sum(metrics_url, "obs_dropped_observations_total", metric=lcp, reason="nan")
    # The overflow series is not one of the cap's: each page past the cap's is sent to it.
    if overflow != len(pages) - cap or dropped != 2:
        raise Failure(f"{len(pages)} RUM pages against a cap of {cap}, two NaN LCPs: {overflow} overflowed, "
                      f"{dropped} dropped")
    requested = sample_sum(metrics_url, "obs_flight_dumps_total", trigger="request")
    if requested < 2:
        raise Failure(f"two GET /debug/flight, obs_flight_dumps_total{{trigger=\"request\"}} {requested}")
    drill.update(overflowed=overflow, dropped_nan=dropped)
    log(f"drill: {len(pages)} RUM pages, {overflow:.0f} sent to the overflow series, {dropped:.0f} NaN LCPs dropped; "
        f"POST /checkout with the payment provider down {drill['checkouts']}; GET /debug/flight served "
        f"{drill['flight_request_spans']} spans; the database check failed 3 times: dump {files[0].name}, then 2 "
        f"skipped as rate-limited ({time.monotonic() - started:.1f}s)")
    report["drill"] = drill


# --- native histograms ------------------------------------------------------------------------------------------

# Page loads the browsers of this test report, in seconds: log-uniform from 20 ms to 8 s, a spread no one buckets well
# in advance, with a few repeats.
BEACONS = [round(0.02 * 400 ** (((k * 37) % 240) / 239), 4) for k in range(240)] + [0.3] * 10


# Every page load sent (the drill's beacons too): what the native histogram must hold.
LOADS_SENT = []


def send_beacon(shop, load_s, **extra):
    query = urllib.parse.urlencode({"load_ms": load_s * 1000, **extra})
    status, body = request("POST", f"{shop}/rum?{query}")
    if status != 204:
        raise Failure(f"POST /rum?{query} answered {status}: {body!r}")
    LOADS_SENT.append(load_s)


def send_beacons(shop):
    for v in BEACONS:
        send_beacon(shop, v)
    log(f"sent {len(BEACONS)} page-load beacons")


def check_native_quantiles(prom, report):
    """histogram_quantile over the native histogram equals the quantile of the observations, within the schema's
    error: the estimate and the true value lie in one bucket, whose bounds differ by the factor 2^(2^-schema)."""
    series = f'shop_page_load_seconds{{job="{JOB}"}}'

    def scraped():
        r = prom.query(series)["data"]["result"]
        return r and "histogram" in r[0] and float(r[0]["histogram"][1]["count"]) == len(LOADS_SENT) and r[0]

    sample = wait_until("the beacons in a native histogram sample", scraped, 60)
    hist = sample["histogram"][1]
    if "value" in sample or not hist.get("buckets"):
        raise Failure(f"{series} is not a native histogram in Prometheus: {sample}")
    # Bucket boundaries of adjacent buckets give the growth factor Prometheus stored, hence the schema's error bound.
    factor = max(float(b[2]) / float(b[1]) for b in hist["buckets"] if float(b[1]) > 0)
    ordered = sorted(LOADS_SENT)
    results = {}
    for q in (0.5, 0.9, 0.99):
        truth = ordered[math.ceil(q * len(ordered)) - 1]
        got = float(prom.query(f"histogram_quantile({q}, {series})")["data"]["result"][0]["value"][1])
        ratio = got / truth
        results[q] = {"estimate": got, "true": truth, "ratio": round(ratio, 4)}
        if not (1 / factor - 1e-9 <= ratio <= factor + 1e-9):
            raise Failure(f"histogram_quantile({q}) = {got}, true quantile {truth}: off by more than the bucket factor "
                          f"{factor:.4f}")
    log(f"native histogram: {len(hist['buckets'])} buckets, factor {factor:.4f}; quantiles {results}")
    report["native_quantiles"] = {"buckets": len(hist["buckets"]), "factor": factor, "quantiles": results}


def print_summary(report):
    print("\n== e2e summary")
    p = report.get("panels")
    if p:
        print(f"panels: {p['queried']} queried, {p['errors']} errors, {p['broken']} broken, {p['empty']} empty "
              f"({p['allowed_empty']} allowed)")
    r = report.get("rules")
    if r:
        print(f"rules: {r['recording']} recording, {r['alerting']} alerting, {r['unhealthy']} unhealthy")
    for a in report.get("alerts", []):
        print(f"alert {a['alert']} [{a['severity']}] via {a['receiver']}: fault to webhook {a['fault_to_webhook_s']}s,"
              f" resolved {a['clear_to_resolved_s']}s after clearing")
    t = report.get("traces")
    if t:
        print(f"traces: {t['spans_received']} spans received from {', '.join(t['services'])}; "
              f"{t['cross_language_joined']} cross-language traces joined")
    for pic in report.get("pictures", []):
        print(f"picture: {pic}")
    print("json: " + json.dumps(report))


# --- the run ----------------------------------------------------------------------------------------------------

def cargo_build(prebuilt):
    target = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target")) / "debug"
    bins = target / "examples" / "shop", target / "gen-dashboards"
    if prebuilt:
        # The test command built both before starting this run, and runs Cargo beside it (a build here would wait
        # on its lock).
        missing = [str(b) for b in bins if not b.exists()]
        if missing:
            raise Failure(f"--prebuilt, but not built: {', '.join(missing)}")
        return bins
    log("building the demo and gen-dashboards")
    # OBS_E2E_CARGO_FLAGS (e.g. --all-features): the test command builds with the features of its `cargo test`.
    flags = os.environ.get("OBS_E2E_CARGO_FLAGS", "").split()
    subprocess.run(["cargo", "build", "-q", *flags, "--example", "shop", "--bin", "gen-dashboards"], cwd=ROOT,
                   check=True, timeout=remaining())
    return bins


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--artifacts", default=str(ROOT / "target" / "e2e"))
    ap.add_argument("--prebuilt", action="store_true",
                    help="use the demo and gen-dashboards already built in the target dir instead of building them")
    args = ap.parse_args()
    art = Path(args.artifacts)
    shutil.rmtree(art, ignore_errors=True)
    (art / "logs").mkdir(parents=True)
    report = {}
    procs = Processes(art / "logs")
    try:
        shop_bin, gen_bin = cargo_build(args.prebuilt)
        sink = Sink()
        names = ("metrics", "shop", "prometheus", "alertmanager", "payment")
        ports = dict(zip(names, free_ports(len(names))))

        # 0. An independent OTLP receiver (official protos) and a payment provider instrumented with the Python SDK.
        spans_file = art / "spans.jsonl"
        port_file = art / "otlp.port"
        procs.start("otlp-receiver", [sys.executable, str(ROOT / "scripts" / "otlp_receiver.py"), str(port_file),
                                      str(spans_file)])
        wait_until("the OTLP receiver", lambda: port_file.exists() and port_file.read_text().strip(), 30)
        otlp = f"http://127.0.0.1:{port_file.read_text().strip()}"
        procs.start("payment-provider", [sys.executable, str(ROOT / "scripts" / "payment_provider.py"),
                                         str(ports["payment"]), otlp])
        metrics_target = f"127.0.0.1:{ports['metrics']}"
        am_target = f"127.0.0.1:{ports['alertmanager']}"

        # 1. Generate the artifacts, with fast alerts and the sink as every route's receiver.
        gen = art / "generated"
        cfg = art / "gen-config.yml"
        cfg.write_text(yaml.safe_dump({
            "job": JOB, "scrape_target": metrics_target, "alertmanager_target": am_target, "time_scale": 60,
            "runbook_url_base": "https://runbooks.example/shop",
            "receivers": {r: {"webhook_urls": [f"http://127.0.0.1:{sink.port}/{r}"]}
                          for r in ("page", "ticket", "info")},
        }))
        out = subprocess.run([str(gen_bin), "--config", str(cfg), "--out", str(gen)], capture_output=True,
                             text=True, timeout=60)
        if out.returncode != 0:
            raise Failure(f"gen-dashboards failed: {out.stderr}")
        log(f"generated {len(out.stdout.splitlines())} files into {gen}")

        # 2. The demo, with its load generator; its flight recorder dumps into $TMPDIR/shop-flight.
        (art / "tmp").mkdir()
        procs.start("shop", [str(shop_bin)], env={
            "OTEL_EXPORTER_PROMETHEUS_HOST": "127.0.0.1", "OTEL_EXPORTER_PROMETHEUS_PORT": str(ports["metrics"]),
            "SHOP_ADDR": f"127.0.0.1:{ports['shop']}", "OBS_BUILD_COMMIT": "e2e", "TMPDIR": str(art / "tmp"),
            "OTEL_EXPORTER_OTLP_ENDPOINT": otlp, "OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf",
            "PAYMENT_URL": f"http://127.0.0.1:{ports['payment']}/charge"})
        shop = f"http://127.0.0.1:{ports['shop']}"
        wait_until("the shop's /ready", lambda: request("GET", f"http://{metrics_target}/ready")[0] == 200, 60)
        send_beacons(shop)

        # 3. Alertmanager with the generated routing.
        procs.start("alertmanager", ["prometheus-alertmanager", f"--config.file={gen}/alertmanager/alertmanager.yml",
                                     f"--storage.path={art}/am-data", f"--web.listen-address={am_target}",
                                     "--cluster.listen-address="])
        wait_until("Alertmanager ready", lambda: request("GET", f"http://{am_target}/-/ready")[0] == 200, 60)

        # 4. Prometheus with the generated scrape config and rules.
        prom_dir = gen / "prometheus"
        procs.start("prometheus", ["prometheus", f"--config.file={prom_dir}/prometheus.yml",
                                   f"--storage.tsdb.path={art}/prom-data",
                                   f"--web.listen-address=127.0.0.1:{ports['prometheus']}",
                                   "--enable-feature=exemplar-storage,native-histograms"], cwd=prom_dir)
        prom = Prometheus(f"http://127.0.0.1:{ports['prometheus']}")
        wait_until("Prometheus ready", lambda: request("GET", f"{prom.base}/-/ready")[0] == 200, 60)

        # 5. The target is up; every panel query answers; every recording rule evaluates.
        wait_until("the shop target up",
                   lambda: [r for r in prom.query(f'up{{job="{JOB}"}}')["data"]["result"] if r["value"][1] == "1"],
                   60)
        log("target up")
        up_at = time.monotonic()
        incident_drill(shop, f"http://{metrics_target}", art, gen / "docs" / "catalog.json", report)
        # Let rates and histograms fill a few scrapes (1 s apart), the drill's included: 20 s after the target came
        # up, and at least 5 s after the drill.
        time.sleep(max(5.0, 20 - (time.monotonic() - up_at)))
        # With native histograms on, Prometheus asks for the protobuf exposition first: every scrape so far came
        # that way, and every check below reads data that travelled over protobuf.
        by_format = {r["metric"].get("format"): float(r["value"][1])
                     for r in prom.query(f'obs_scrapes_total{{job="{JOB}"}}')["data"]["result"]}
        if not by_format.get("protobuf"):
            raise SystemExit(f"Prometheus did not scrape over protobuf: obs_scrapes_total by format {by_format}")
        log(f"scrapes by format: {by_format}")
        report["scrapes_by_format"] = by_format
        procs.check_alive()
        metrics_url = f"http://{metrics_target}/metrics"
        check_exposition(metrics_url, gen / "grafana" / "dashboards", report)
        check_dashboards(prom, gen / "grafana" / "dashboards", report, metrics_url)
        self_test_broken_query(prom, gen / "grafana" / "dashboards", metrics_url)
        check_recording_rules(prom, report)
        check_slo_metadata(prom, next((gen / "prometheus" / "rules").glob("*.rules.yml")), report)
        check_native_quantiles(prom, report)

        # 8 (early, while the data is fresh). Pictures of every dashboard.
        report["pictures"] = [str(p) for p in render_dashboards(prom, gen / "grafana" / "dashboards",
                                                                 art / "pictures")]

        # 6. Faults: their alerts fire through the right route and resolve.
        fire_and_resolve(prom, sink, shop, "fail the critical database check", "fail_database=true",
                         "HealthCheckFailing", "critical", report)
        fire_and_resolve(prom, sink, shop, "raise the payment error rate", "error_rate=0.9",
                         "PlaceOrderAvailabilityBurnRate1h5m", "critical", report)
        fire_and_resolve(prom, sink, shop, "slow the database", "slow_db_ms=400", "SlowDatabase", "warning",
                         report)

        # 7. Traces: one trace from the HTTP span to the Python provider, and the Python client's trace joined.
        check_traces(spans_file, shop, otlp, report)
        check_otlp_metrics_only(shop_bin, art, procs, f"http://127.0.0.1:{ports['payment']}/charge", report)
        procs.check_alive()
        fire_absent_alert(procs, prom, am_target, sink, next((gen / "prometheus" / "rules").glob("*.rules.yml")), report)
        print_summary(report)
        print("e2e: 1 passed, 0 failed")
        return 0
    except (Failure, subprocess.SubprocessError, OSError) as e:
        log(f"FAILED: {e}")
        print_summary(report)
        print("e2e: 0 passed, 1 failed")
        return 1
    finally:
        procs.stop_all()


if __name__ == "__main__":
    sys.exit(main())
