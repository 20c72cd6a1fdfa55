//! A second crate that declares metrics and nothing else, so nothing references it unless a binary names it:
//! the catalog test proves that `use peer_metrics as _;` is enough for its declarations to be linked.

obs::namespace!("peer");

/// Jobs processed by the peer crate.
#[obs::metric(counter)]
pub struct PeerJobs;

/// Size of the peer crate's queue.
#[obs::metric(gauge, unit = "bytes")]
pub struct PeerQueue;
