//! Process metrics under the names client_golang and Prometheus' own dashboards use, read from `/proc` at scrape.

use crate::desc::{MetricDesc, MetricKind};
use crate::families;
use crate::model::{Labels, Number, Point, PointSink};
use crate::registry::Collect;

/// One process metric: a descriptor and how to read its value now.
struct ProcessMetric {
    desc: &'static MetricDesc,
    read: fn() -> Option<f64>,
}

impl Collect for ProcessMetric {
    fn desc(&self) -> &'static MetricDesc {
        self.desc
    }
    fn collect(&self, out: &mut dyn PointSink) {
        if let Some(v) = (self.read)() {
            let v = Number::F64(v);
            out.point(
                Labels::NONE,
                if self.desc.kind == MetricKind::Counter { Point::Counter(v) } else { Point::Gauge(v) },
            );
        }
    }
    fn series_count(&self) -> usize {
        1
    }
}

static PROCESS: [ProcessMetric; 7] = [
    ProcessMetric {
        desc: &MetricDesc::new(
            families::PROCESS_CPU_SECONDS,
            MetricKind::Counter,
            "Total user and system CPU time spent in seconds.",
        )
        .float()
        .unit("seconds")
        .no_namespace(),
        read: cpu_seconds,
    },
    ProcessMetric {
        desc: &MetricDesc::new(
            families::PROCESS_RESIDENT_MEMORY_BYTES,
            MetricKind::Gauge,
            "Resident memory size in bytes.",
        )
        .unit("bytes")
        .no_namespace(),
        read: || status_kib("VmRSS:").map(|k| k * 1024.0),
    },
    ProcessMetric {
        desc: &MetricDesc::new(
            families::PROCESS_VIRTUAL_MEMORY_BYTES,
            MetricKind::Gauge,
            "Virtual memory size in bytes.",
        )
        .unit("bytes")
        .no_namespace(),
        read: || status_kib("VmSize:").map(|k| k * 1024.0),
    },
    ProcessMetric {
        desc: &MetricDesc::new(families::PROCESS_OPEN_FDS, MetricKind::Gauge, "Number of open file descriptors.")
            .no_namespace(),
        read: || std::fs::read_dir("/proc/self/fd").ok().map(|d| d.count() as f64),
    },
    ProcessMetric {
        desc: &MetricDesc::new(
            families::PROCESS_MAX_FDS,
            MetricKind::Gauge,
            "Maximum number of open file descriptors.",
        )
        .no_namespace(),
        read: max_fds,
    },
    ProcessMetric {
        desc: &MetricDesc::new(families::PROCESS_THREADS, MetricKind::Gauge, "Number of OS threads in the process.")
            .no_namespace(),
        read: || status_kib("Threads:"),
    },
    ProcessMetric {
        desc: &MetricDesc::new(
            families::PROCESS_START_TIME_SECONDS,
            MetricKind::Gauge,
            "Start time of the process since unix epoch in seconds.",
        )
        .unit("seconds")
        .no_namespace(),
        read: start_time,
    },
];

crate::register!(PROCESS[0]);
crate::register!(PROCESS[1]);
crate::register!(PROCESS[2]);
crate::register!(PROCESS[3]);
crate::register!(PROCESS[4]);
crate::register!(PROCESS[5]);
crate::register!(PROCESS[6]);

fn clock_ticks() -> f64 {
    // SAFETY: sysconf has no preconditions.
    let t = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    if t > 0 {
        t as f64
    } else {
        100.0
    }
}

/// Fields of `/proc/self/stat` after the command name (which may contain spaces).
fn stat_fields() -> Option<Vec<String>> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let rest = &stat[stat.rfind(')')? + 2..];
    Some(rest.split_whitespace().map(str::to_owned).collect())
}

fn cpu_seconds() -> Option<f64> {
    let f = stat_fields()?;
    // utime and stime are fields 14 and 15 of stat(5); `f` starts at field 3.
    let ticks: f64 = f.get(11)?.parse::<f64>().ok()? + f.get(12)?.parse::<f64>().ok()?;
    Some(ticks / clock_ticks())
}

fn start_time() -> Option<f64> {
    let f = stat_fields()?;
    let start_ticks: f64 = f.get(19)?.parse().ok()?; // field 22
    let boot = std::fs::read_to_string("/proc/stat").ok()?;
    let btime: f64 = boot.lines().find_map(|l| l.strip_prefix("btime "))?.trim().parse().ok()?;
    Some(btime + start_ticks / clock_ticks())
}

fn status_kib(key: &str) -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status.lines().find_map(|l| l.strip_prefix(key))?.split_whitespace().next()?.parse().ok()
}

fn max_fds() -> Option<f64> {
    let limits = std::fs::read_to_string("/proc/self/limits").ok()?;
    let line = limits.lines().find(|l| l.starts_with("Max open files"))?;
    line.split_whitespace().nth(3)?.parse().ok()
}
