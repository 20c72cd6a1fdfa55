//! With both defaults, the generated Prometheus configuration scrapes where `obs::init!()` serves.

use crate::common;

use obs_dashboards::{generate, Options};
use std::net::{SocketAddr, ToSocketAddrs};

#[test]
fn the_default_scrape_target_is_where_the_runtime_serves_by_default() {
    for var in ["OTEL_EXPORTER_PROMETHEUS_HOST", "OTEL_EXPORTER_PROMETHEUS_PORT"] {
        assert!(std::env::var_os(var).is_none(), "{var} is set: this test compares the defaults");
    }
    let files = generate(&common::fixture(), &Options::default()).unwrap().files();
    let config = files.iter().find(|f| f.path.ends_with("prometheus/prometheus.yml")).expect("a scrape config");
    let yaml: serde_norway::Value = serde_norway::from_str(&config.contents).unwrap();
    let target = yaml["scrape_configs"][0]["static_configs"][0]["targets"][0].as_str().expect("one target");
    let scraped: Vec<SocketAddr> = target.to_socket_addrs().expect("the target resolves").collect();
    let served = obs::builder!().settings().unwrap().listen.expect("init serves by default");
    assert!(scraped.contains(&served), "Prometheus scrapes {target} ({scraped:?}), obs::init!() serves on {served}");
}
