//! The built-in variants, adapted to [`crate::Variant`].

mod cash;
mod morevp;
mod mvp;
mod xt;

pub use cash::CashVariant;
pub use morevp::MoreVpVariant;
pub use mvp::MvpVariant;
pub use xt::XtVariant;
