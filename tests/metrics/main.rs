//! Tests that need no process of their own, in one binary (each file was a test binary linking the whole runtime):
//! each declares its own families, under names no other module uses, and reads only its own series; none starts
//! the endpoints, installs a span pipeline, flips a process-wide switch or sets the crate's `namespace!` (which
//! would prefix every module's families). Tests that do stay in their own files.

mod cardinality;
mod escaping;
mod exactness;
mod native_histogram;
mod overflow_value;
mod traced_propagation;
