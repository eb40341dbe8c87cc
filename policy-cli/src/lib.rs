//! The parts of `iampol`'s command line that other programs build on (its fuzz targets): the
//! human renderer, safe on any input. Everything else of the command line lives with its
//! binary.
//!
//! - [`render`]: a diagnostic with labels on a file, drawn by miette; [`render::escape`], the
//!   escaping of text from files that every human report uses; [`render::snippet`], the
//!   windowed view of the lines miette is given.
#![deny(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]
#![warn(clippy::print_stdout, clippy::print_stderr)]
#![cfg_attr(
    test,
    allow(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )
)]

pub mod render;
