//! Generated artifacts from the obs catalog.
