//! The built-in variants, adapted to [`crate::Variant`].

mod mvp;

pub use mvp::MvpVariant;
