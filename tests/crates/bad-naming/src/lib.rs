//! Metrics whose names Prometheus' lints reject; linked only into the test that checks `assert_catalog` reports
//! each at its line (no other binary names this crate, so no other catalog contains them).

/// Jobs waiting: a gauge whose name ends in a histogram's `_count`.
#[obs::metric(gauge)]
pub struct QueueCount;

/// Time to render a page, in a unit that is not a base unit.
#[obs::metric(histogram, name = "render_minutes", buckets = [1.0, 5.0])]
pub struct RenderTime;

/// Cache hits, with the type in the name.
#[obs::metric(counter, name = "cache_hit_counter")]
pub struct CacheHits;
