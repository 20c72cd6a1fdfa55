//! Short byte strings, compared and copied without a call to `memcmp` or `memcpy`: label values, names and
//! numbers are mostly a few bytes, for which the call costs more than the work.

/// Copies `src` to `dst` and returns the end of the copy. Short pieces (most names, label sets and numbers) are
/// copied with two overlapping loads and stores from each end, without a call.
///
/// # Safety
/// `dst` must be valid for `src.len()` bytes of writes and must not overlap `src`.
#[inline(always)]
pub(crate) unsafe fn put(dst: *mut u8, src: &[u8]) -> *mut u8 {
    use std::ptr::{read_unaligned as rd, write_unaligned as wr};
    let (n, s) = (src.len(), src.as_ptr());
    // SAFETY: each access is inside `0..n` of `src` and of `dst` (the caller's contract): the two accesses of each
    // length range start at 0 and at `n - width`, with `width <= n`.
    unsafe {
        match n {
            0 => {}
            1..=3 => {
                *dst = *s;
                *dst.add(n / 2) = *s.add(n / 2);
                *dst.add(n - 1) = *s.add(n - 1);
            }
            4..=7 => {
                let (a, b) = (rd(s.cast::<u32>()), rd(s.add(n - 4).cast::<u32>()));
                wr(dst.cast::<u32>(), a);
                wr(dst.add(n - 4).cast::<u32>(), b);
            }
            8..=16 => {
                let (a, b) = (rd(s.cast::<u64>()), rd(s.add(n - 8).cast::<u64>()));
                wr(dst.cast::<u64>(), a);
                wr(dst.add(n - 8).cast::<u64>(), b);
            }
            17..=32 => {
                let (a, b) = (rd(s.cast::<u128>()), rd(s.add(n - 16).cast::<u128>()));
                wr(dst.cast::<u128>(), a);
                wr(dst.add(n - 16).cast::<u128>(), b);
            }
            _ => std::ptr::copy_nonoverlapping(s, dst, n),
        }
        dst.add(n)
    }
}

/// `a == b` for two slices of one length, without a call to `memcmp` for the short values labels mostly are:
/// two overlapping word loads from each end cover every length from 4 to 16.
#[inline(always)]
pub(crate) fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    debug_assert_eq!(a.len(), b.len());
    let n = a.len();
    let word = |s: &[u8], at: usize| u64::from_ne_bytes(s[at..at + 8].try_into().unwrap_or([0; 8]));
    let half = |s: &[u8], at: usize| u32::from_ne_bytes(s[at..at + 4].try_into().unwrap_or([0; 4]));
    match n {
        8..=16 => word(a, 0) == word(b, 0) && word(a, n - 8) == word(b, n - 8),
        4..=7 => half(a, 0) == half(b, 0) && half(a, n - 4) == half(b, n - 4),
        _ => a == b,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_short_copy_writes_exactly_its_source_at_every_length() {
        let src: Vec<u8> = (1..=48).collect();
        for n in 0..=48 {
            let mut dst = [0u8; 64];
            // SAFETY: `dst` has room for 48 bytes after offset 3, and is a separate array.
            let end = unsafe { put(dst.as_mut_ptr().add(3), &src[..n]) };
            assert_eq!(end as usize - dst.as_ptr() as usize, 3 + n, "length {n}");
            assert_eq!(&dst[3..3 + n], &src[..n], "length {n}");
            assert!(dst[..3].iter().chain(&dst[3 + n..]).all(|b| *b == 0), "length {n} wrote outside");
        }
    }

    #[test]
    fn same_bytes_agrees_with_slice_equality() {
        let base: Vec<u8> = (0..40u8).collect();
        for n in 0..=40 {
            let a = &base[..n];
            assert!(same_bytes(a, a), "{n}");
            for i in 0..n {
                let mut b = a.to_vec();
                b[i] ^= 1;
                assert!(!same_bytes(a, &b), "length {n}, byte {i}");
            }
        }
    }
}
