//! Values read once, on every core, and ranked: sorting and grouping a
//! million findings then compare integers instead of strings read from two
//! places in memory per comparison.

use super::sort::merge_runs;

/// `value` of every index, on every core.
pub(crate) fn each<T: Send + Sync>(order: &[usize], value: impl Fn(usize) -> T + Sync) -> Vec<T> {
    let value = &value;
    crate::parallel::concat(crate::parallel::in_chunks(
        order,
        crate::parallel::MIN_ITEMS,
        |c| c.items.iter().map(|&i| value(i)).collect::<Vec<T>>(),
        |range| order[range].iter().map(|&i| value(i)).collect(),
    ))
}

/// Each value's rank among the distinct values: equal values get equal
/// ranks, and ranks order as the values do. Each value is read once here,
/// instead of twice per comparison.
pub(crate) fn ranks<T: Ord + std::hash::Hash + Sync>(values: &[T]) -> Vec<u32> {
    use foldhash::{HashMap, HashMapExt};
    // Per chunk, where its distinct values are and each position's id
    // among them.
    let parts = crate::parallel::in_chunks(
        values,
        crate::parallel::MIN_ITEMS,
        |c| {
            let mut ids: HashMap<&T, u32> = HashMap::new();
            let mut distinct: Vec<usize> = Vec::new();
            let local: Vec<u32> = c
                .items
                .iter()
                .zip(c.range.clone())
                .map(|(v, at)| {
                    *ids.entry(v).or_insert_with(|| {
                        distinct.push(at);
                        (distinct.len() - 1) as u32
                    })
                })
                .collect();
            // Sorted here, on this core, and the ids renumbered to match;
            // the chunks' lists are merged below.
            let mut by_value: Vec<u32> = (0..distinct.len() as u32).collect();
            by_value.sort_unstable_by(|&a, &b| {
                values[distinct[a as usize]].cmp(&values[distinct[b as usize]])
            });
            let mut new_id = vec![0u32; distinct.len()];
            for (k, &id) in by_value.iter().enumerate() {
                new_id[id as usize] = k as u32;
            }
            let local: Vec<u32> = local.into_iter().map(|l| new_id[l as usize]).collect();
            let distinct: Vec<usize> = by_value.iter().map(|&id| distinct[id as usize]).collect();
            (distinct, local)
        },
        |range| (range.clone().collect(), (0..range.len() as u32).collect()),
    );
    // Every chunk's distinct values merged; a value's rank is how many
    // smaller values came before it. Equal values from two chunks sit side
    // by side, so one comparison with the neighbour tells.
    let runs: Vec<Vec<(&T, u32, u32)>> = parts
        .iter()
        .enumerate()
        .map(|(chunk, (d, _))| {
            d.iter()
                .enumerate()
                .map(|(id, &at)| (&values[at], chunk as u32, id as u32))
                .collect()
        })
        .collect();
    let all = merge_runs(runs, |a, b| a.0.cmp(b.0));
    let mut rank_of: Vec<Vec<u32>> = parts.iter().map(|(d, _)| vec![0; d.len()]).collect();
    let mut rank = 0u32;
    for (n, &(v, chunk, id)) in all.iter().enumerate() {
        if n > 0 && all[n - 1].0 != v {
            rank += 1;
        }
        rank_of[chunk as usize][id as usize] = rank;
    }
    let mut out = Vec::with_capacity(values.len());
    for ((_, local), rank) in parts.iter().zip(&rank_of) {
        out.extend(local.iter().map(|&l| rank[l as usize]));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranks_order_as_the_values_and_tie_as_they_do() {
        let n = 3 * crate::parallel::MIN_ITEMS;
        // Repeats within and across the cores' shares.
        let values: Vec<String> = (0..n).map(|i| format!("v{}", (i * 7919) % 997)).collect();
        let got = ranks(&values);
        let mut distinct: Vec<&String> = values.iter().collect();
        distinct.sort();
        distinct.dedup();
        for (v, r) in values.iter().zip(&got) {
            assert_eq!(distinct[*r as usize], v);
        }
        assert!(ranks::<u8>(&[]).is_empty());
        assert_eq!(ranks(&[5, 5, 5]), [0, 0, 0]);
    }
}
