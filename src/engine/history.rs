//! Statistics of a price history the engine's warnings use: the largest move an underlying
//! made within a window of days, and how often it moved further than a given move.
//!
//! Closes are daily, oldest first, in `f64` (these are statistics, not money).

/// The largest move, in percent, from any close to a close at most `window_days` later: the
/// largest rise when `up`, else the largest fall (as a negative number). `None` with fewer
/// than two closes.
pub fn largest_move_pct(closes: &[f64], window_days: usize, up: bool) -> Option<f64> {
    let mut best: Option<f64> = None;
    for (i, &start) in closes.iter().enumerate() {
        if start <= 0.0 {
            continue;
        }
        for &later in closes.iter().skip(i + 1).take(window_days) {
            let change = (later / start - 1.0) * 100.0;
            let better = match best {
                None => true,
                Some(b) if up => change > b,
                Some(b) => change < b,
            };
            if better {
                best = Some(change);
            }
        }
    }
    best
}

/// How many separate times the price moved by `move_pct` or further (a rise when positive,
/// a fall when negative) within `window_days`: each time counts once, and the next one starts
/// after that window.
pub fn times_moved_beyond(closes: &[f64], window_days: usize, move_pct: f64) -> usize {
    let mut count = 0;
    let mut i = 0;
    while i < closes.len() {
        let start = closes[i];
        let reached = start > 0.0
            && closes.iter().skip(i + 1).take(window_days).any(|&later| {
                let change = (later / start - 1.0) * 100.0;
                if move_pct >= 0.0 {
                    change >= move_pct
                } else {
                    change <= move_pct
                }
            });
        if reached {
            count += 1;
            i += window_days.max(1);
        } else {
            i += 1;
        }
    }
    count
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn largest_moves_and_their_count_by_hand() {
        // 100 → 110 → 121 → 90 → 99: the largest rise within 2 days is 100 → 121 = +21 %;
        // the largest fall within 2 days is 121 → 90 = −25.6 %; within 1 day 110 → 121 and
        // 90 → 99 are +10 % each.
        let closes = [100.0, 110.0, 121.0, 90.0, 99.0];
        let up = largest_move_pct(&closes, 2, true).unwrap();
        assert!((up - 21.0).abs() < 1e-9, "{up}");
        let down = largest_move_pct(&closes, 2, false).unwrap();
        assert!((down - (90.0 / 121.0 - 1.0) * 100.0).abs() < 1e-9, "{down}");
        // Rises of at least 10 % within 1 day: from 100, and (after skipping 1 day) from 110,
        // and from 90: three times.
        assert_eq!(times_moved_beyond(&closes, 1, 10.0), 3);
        // A fall of 20 % within 2 days: only from 121 (and from 110: 90/110 = −18 %, no).
        assert_eq!(times_moved_beyond(&closes, 2, -20.0), 1);
        assert_eq!(largest_move_pct(&[100.0], 30, true), None);
    }
}
