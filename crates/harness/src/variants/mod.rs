//! The built-in variants, adapted to [`crate::Variant`].

mod cash;
mod mvp;

pub use cash::CashVariant;
pub use mvp::MvpVariant;
