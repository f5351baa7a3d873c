//! The built-in variants, adapted to [`crate::Variant`].

mod cash;
mod morevp;
mod mvp;

pub use cash::CashVariant;
pub use morevp::MoreVpVariant;
pub use mvp::MvpVariant;
