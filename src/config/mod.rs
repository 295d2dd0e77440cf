//! Product settings, configurable options and the effective per-service
//! configuration.

pub mod effective;
pub mod names;
pub mod product;
