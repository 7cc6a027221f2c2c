import HeraldCore

/// The de-duplication keys of one `herald.events` partition: a cache of its `herald.router-dedupe`
/// changelog partition, with the changelog position it reflects.
///
/// `BatchLedger` asks `contains` for each event, `apply`s the keys of a committed batch and turns
/// `expire` into tombstones; `RouterLoop` opens the store, `apply`s the changelog records it reads
/// when restoring and records a `checkpoint` whenever it knows the store holds everything before a
/// changelog offset.
protocol DedupeStore: AnyObject {
    /// The changelog position the store holds everything before; nil for a new or emptied store.
    var checkpoint: DedupeCheckpoint? { get }
    /// Keys held.
    var count: Int { get }
    func contains(_ key: String) throws -> Bool
    /// Applies changes in order, atomically.
    func apply(_ changes: [DedupeChange]) throws
    /// Removes and returns up to `limit` keys first seen at or before `cutoff`, oldest first.
    func expire(through cutoff: Int64, limit: Int) throws -> [String]
    func record(_ checkpoint: DedupeCheckpoint) throws
    /// Forgets every key and the checkpoint, before a rebuild from the changelog.
    func reset() throws
    /// Releases the store (a revoked partition); nothing is called afterwards.
    func close()
}

/// One changelog record: the first-seen time of a key, or nil (a tombstone) to forget it.
struct DedupeChange: Equatable {
    var key: String
    var firstSeen: Int64?
}

/// "Everything of changelog `topic` partition `partition` before `offset` is in the store."
struct DedupeCheckpoint: Equatable {
    var topic: String
    var partition: Int32
    var offset: Int64
}

/// A `DedupeWindow` as a store: the router's state when it has no data directory (in-process use
/// such as `herald dev`), held in memory and rebuilt from the changelog on every assignment.
final class MemoryDedupeStore: DedupeStore {
    private var window: DedupeWindow
    private(set) var checkpoint: DedupeCheckpoint?

    init(retentionMilliseconds: Int64) {
        window = DedupeWindow(retentionMilliseconds: retentionMilliseconds)
    }

    var count: Int { window.count }

    func contains(_ key: String) -> Bool { window.contains(key) }

    func apply(_ changes: [DedupeChange]) {
        for change in changes {
            if let time = change.firstSeen { window.insert(change.key, at: time) } else { window.remove(change.key) }
        }
    }

    func expire(through cutoff: Int64, limit: Int) -> [String] {
        window.expire(now: cutoff + window.retentionMilliseconds, limit: limit)
    }

    func record(_ checkpoint: DedupeCheckpoint) { self.checkpoint = checkpoint }

    func reset() {
        window = DedupeWindow(retentionMilliseconds: window.retentionMilliseconds)
        checkpoint = nil
    }

    func close() {}
}
