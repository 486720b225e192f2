//! The `mailspec` facade: model checking and reporting behind the command line.

pub mod check;
pub mod conform;
pub mod output;

pub use mailspec_model as model;
