//! The exposition against the Prometheus references, in one binary (each file was a test binary linking the
//! whole runtime): the protobuf format decoded with prost, and `obs::testing`'s lints beside promtool's.
//! protobuf's `namespace!` prefixes every family this crate declares, and protobuf is the only file here that
//! declares any; testing_catalog links bad-naming, whose three bad names stay the only lints of this binary.

mod protobuf;
mod testing_catalog;
