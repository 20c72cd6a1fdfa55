//! The catalog errors, in one binary (each file was a test binary linking the whole runtime): duplicate metric
//! names and a shared traced-function identity. The catalog is the union of everything linked into a binary, so
//! these declarations would make every other test binary's catalog invalid (and its `init` fail); here each test
//! looks for its own errors among both files'.

mod duplicates;
mod traced_identity_clash;
