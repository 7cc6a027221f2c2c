/// Exact per-key event counts over the last `capacity` events, and which keys are hot.
/// A ring buffer of keys makes each event O(1): count the new key, uncount the one that falls out.
struct TrafficWindow: Sendable {
    private let capacity: Int
    private var ring: [String] = []
    private var next = 0
    private(set) var counts: [String: Int] = [:]
    private(set) var hotKeys: Set<String> = []

    init(capacity: Int) {
        self.capacity = capacity
        ring.reserveCapacity(capacity)
    }

    /// Records one event of `key` and returns whether `key` is hot after it.
    /// Hot from `enterCount` events in the window; cold again below half of that.
    mutating func record(_ key: String, enterCount: Int) -> Bool {
        if ring.count < capacity {
            ring.append(key)
        } else {
            let evicted = ring[next]
            ring[next] = key
            next = (next + 1) % capacity
            let remaining = counts[evicted, default: 1] - 1
            counts[evicted] = remaining == 0 ? nil : remaining
            if remaining * 2 < enterCount { hotKeys.remove(evicted) }
        }
        let count = counts[key, default: 0] + 1
        counts[key] = count
        if count >= enterCount {
            hotKeys.insert(key)
        } else if count * 2 < enterCount {
            hotKeys.remove(key)
        }
        return hotKeys.contains(key)
    }
}
