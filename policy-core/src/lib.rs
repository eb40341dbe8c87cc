//! Core of iampol: read AWS IAM policies into a spanned AST, and know what AWS knows about
//! services, actions, resource types and condition keys.
//!
//! - [`syntax`]: text → spanned value tree (strict JSON; templates build the same tree).
//! - [`parse`]: value tree → [`ast::Policy`], with every error, per [`ast::PolicyKind`].
//! - [`service_ref`]: the embedded IAM service reference.
//! - [`arn`]: ARNs, their parts and their validity.
//!
//! The library does no I/O and prints nothing; it never panics on input.
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

pub mod account;
pub mod analysis;
pub mod ast;
pub mod eval;
pub mod parse;
pub mod request;
pub mod scenario;
pub mod source;
pub mod syntax;
pub mod template;
pub mod text;
pub mod value;

pub use ast::{Effect, Policy, PolicyKind, Statement};
pub use parse::{parse_policy, ParseError, ParseErrorKind, Parsed};
pub use source::{LineCol, SourceFile, Span};
pub mod service_ref;
