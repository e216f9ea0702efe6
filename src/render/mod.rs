//! Renderers: pure functions from reports to text, JSON, JSON Lines, and the
//! publishable HTML and Markdown reports.
//!
//! Everything that came from a message is untrusted; each renderer escapes
//! it for its format (see [`escape`]).

mod document;
pub mod escape;
pub mod glossary;
mod html;
pub mod json;
mod markdown;
pub mod overview;
mod publish;
mod summary;
mod text;
mod writer;

pub use document::{Settings, jsonl_line, time_window_line};
pub use glossary::GLOSSARY;
pub use html::html;
pub use markdown::markdown;
pub use overview::Overview;
pub use summary::{summary_text, tally_line};
pub use text::text;
pub use writer::{DocumentOptions, Format, OverviewMode, Record, SPOOL_IN_MEMORY, Writer, json};
