//! Process metrics under the names client_golang and Prometheus' own dashboards use, read at scrape from the
//! cheapest source of each: `getrusage` and `getrlimit` (system calls), `/proc/self/statm` and `/proc/self/stat`
//! (one short line each), the `/proc/self/fd` directory; the start time, which cannot change, is read once. A
//! scrape's fixed cost is what these take, so none reads `/proc/self/status`, `/proc/self/limits` or `/proc/stat`
//! at scrape time, which the kernel formats at length.

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
        .no_namespace()
        .declared_in(module_path!(), crate::crate_info!()),
        read: cpu_seconds,
    },
    ProcessMetric {
        desc: &MetricDesc::new(
            families::PROCESS_RESIDENT_MEMORY_BYTES,
            MetricKind::Gauge,
            "Resident memory size in bytes.",
        )
        .unit("bytes")
        .no_namespace()
        .declared_in(module_path!(), crate::crate_info!()),
        read: || statm_pages(1).map(|p| p * page_size()),
    },
    ProcessMetric {
        desc: &MetricDesc::new(
            families::PROCESS_VIRTUAL_MEMORY_BYTES,
            MetricKind::Gauge,
            "Virtual memory size in bytes.",
        )
        .unit("bytes")
        .no_namespace()
        .declared_in(module_path!(), crate::crate_info!()),
        read: || statm_pages(0).map(|p| p * page_size()),
    },
    ProcessMetric {
        desc: &MetricDesc::new(families::PROCESS_OPEN_FDS, MetricKind::Gauge, "Number of open file descriptors.")
            .no_namespace()
            .declared_in(module_path!(), crate::crate_info!()),
        read: || std::fs::read_dir("/proc/self/fd").ok().map(|d| d.count() as f64),
    },
    ProcessMetric {
        desc: &MetricDesc::new(
            families::PROCESS_MAX_FDS,
            MetricKind::Gauge,
            "Maximum number of open file descriptors.",
        )
        .no_namespace()
        .declared_in(module_path!(), crate::crate_info!()),
        read: max_fds,
    },
    ProcessMetric {
        desc: &MetricDesc::new(families::PROCESS_THREADS, MetricKind::Gauge, "Number of OS threads in the process.")
            .no_namespace()
            .declared_in(module_path!(), crate::crate_info!()),
        read: threads,
    },
    ProcessMetric {
        desc: &MetricDesc::new(
            families::PROCESS_START_TIME_SECONDS,
            MetricKind::Gauge,
            "Start time of the process since unix epoch in seconds.",
        )
        .unit("seconds")
        .no_namespace()
        .declared_in(module_path!(), crate::crate_info!()),
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

fn page_size() -> f64 {
    // SAFETY: sysconf has no preconditions.
    let p = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    if p > 0 {
        p as f64
    } else {
        4096.0
    }
}

/// Field `index + 3` of `/proc/self/stat`, counted after the command name (which may contain spaces).
fn stat_field(index: usize) -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let rest = &stat[stat.rfind(')')? + 2..];
    rest.split_whitespace().nth(index)?.parse().ok()
}

fn cpu_seconds() -> Option<f64> {
    // SAFETY: `usage` is a valid out-pointer for the call, which fills it on success.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    if unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) } != 0 {
        return None;
    }
    let secs = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    Some(secs(usage.ru_utime) + secs(usage.ru_stime))
}

fn threads() -> Option<f64> {
    stat_field(17) // num_threads, field 20 of stat(5)
}

fn start_time() -> Option<f64> {
    static START: std::sync::OnceLock<Option<f64>> = std::sync::OnceLock::new();
    *START.get_or_init(|| {
        let start_ticks = stat_field(19)?; // starttime, field 22
        let boot = std::fs::read_to_string("/proc/stat").ok()?;
        let btime: f64 = boot.lines().find_map(|l| l.strip_prefix("btime "))?.trim().parse().ok()?;
        Some(btime + start_ticks / clock_ticks())
    })
}

/// Field `index` of `/proc/self/statm`, in pages: 0 is the virtual size, 1 the resident set.
fn statm_pages(index: usize) -> Option<f64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    statm.split_whitespace().nth(index)?.parse().ok()
}

fn max_fds() -> Option<f64> {
    // SAFETY: `limit` is a valid out-pointer for the call, which fills it on success.
    let mut limit: libc::rlimit = unsafe { std::mem::zeroed() };
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } != 0 || limit.rlim_cur == libc::RLIM_INFINITY {
        return None;
    }
    Some(limit.rlim_cur as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The cheap sources agree with the ones the kernel documents for people: `/proc/self/status` and `limits`.
    #[test]
    fn cheap_sources_agree_with_status_and_limits() {
        let status = std::fs::read_to_string("/proc/self/status").unwrap();
        let kib = |key: &str| -> f64 {
            status
                .lines()
                .find_map(|l| l.strip_prefix(key))
                .unwrap()
                .split_whitespace()
                .next()
                .unwrap()
                .parse()
                .unwrap()
        };
        assert_eq!(statm_pages(0).unwrap() * page_size(), kib("VmSize:") * 1024.0);
        let rss = statm_pages(1).unwrap() * page_size();
        assert!((rss - kib("VmRSS:") * 1024.0).abs() <= 8.0 * 1024.0 * 1024.0, "rss {rss}");
        assert!(threads().unwrap() >= 1.0);
        let limits = std::fs::read_to_string("/proc/self/limits").unwrap();
        let line = limits.lines().find(|l| l.starts_with("Max open files")).unwrap();
        assert_eq!(max_fds().unwrap(), line.split_whitespace().nth(3).unwrap().parse::<f64>().unwrap());
        let before = cpu_seconds().unwrap();
        let t = std::time::Instant::now();
        while t.elapsed() < std::time::Duration::from_millis(30) {
            std::hint::black_box(0u64.wrapping_add(1));
        }
        assert!(cpu_seconds().unwrap() > before, "a busy loop adds CPU time");
        let start = start_time().unwrap();
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs_f64();
        assert!(start <= now && start > now - 24.0 * 3600.0 * 365.0, "start {start}, now {now}");
    }
}
