//! Turning revert data into a readable reason.

use alloy_sol_types::{Panic, Revert, SolError};

/// Decodes revert data: `Error(string)` gives its message, `Panic(uint256)` a description of the
/// panic code, anything else (custom errors) its hex. Empty data gives `None`.
pub fn decode_revert(data: &[u8]) -> Option<String> {
    if data.is_empty() {
        return None;
    }
    if let Ok(revert) = Revert::abi_decode(data) {
        return Some(revert.reason);
    }
    if let Ok(panic) = Panic::abi_decode(data) {
        return Some(panic.to_string());
    }
    Some(format!("custom error 0x{}", alloy_primitives::hex::encode(data)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_error_string() {
        let data = Revert::from("not operator").abi_encode();
        assert_eq!(decode_revert(&data).as_deref(), Some("not operator"));
    }

    #[test]
    fn empty_is_none_and_garbage_is_hex() {
        assert_eq!(decode_revert(&[]), None);
        assert_eq!(decode_revert(&[0xde, 0xad]).as_deref(), Some("custom error 0xdead"));
    }
}
