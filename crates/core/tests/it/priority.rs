//! Property tests of the exit priority encoding: lossless, and order-preserving so that the
//! framework's min-heap on the `uint256` agrees with `Priority`'s `Ord`.

use plasma_core::{Priority, alloy_primitives::U256, types::MAX_U96};
use proptest::prelude::*;

fn priority() -> impl Strategy<Value = Priority> {
    (any::<u64>(), 0..=MAX_U96, 0..=MAX_U96)
        .prop_filter_map("fields fit in 96 bits", |(at, position, id)| Priority::new(at, position, id).ok())
}

proptest! {
    #[test]
    fn encode_decode_round_trip(p in priority()) {
        prop_assert_eq!(Priority::decode(p.encode()), p);
    }

    #[test]
    fn every_u256_decodes(limbs in any::<[u64; 4]>()) {
        let value = U256::from_limbs(limbs);
        prop_assert_eq!(Priority::decode(value).encode(), value);
    }

    #[test]
    fn encoding_preserves_order(a in priority(), b in priority()) {
        prop_assert_eq!(a.cmp(&b), a.encode().cmp(&b.encode()));
    }

    #[test]
    fn oversized_fields_rejected(at in any::<u64>(), big in (MAX_U96 + 1)..=u128::MAX, small in 0..=MAX_U96) {
        prop_assert!(Priority::new(at, big, small).is_err());
        prop_assert!(Priority::new(at, small, big).is_err());
    }
}
