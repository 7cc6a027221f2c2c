import CRocksDB
import Foundation

/// A `DedupeStore` in a RocksDB database of its own (one directory per partition), so memory stays
/// bounded by the shared block cache and the memtables, whatever the number of keys.
///
/// Layout: `k<key>` → the first-seen time (8 bytes, big-endian); `t<time><key>` → empty, the
/// expiry order; `mcount` → the number of keys; `mcheckpoint` → `<offset>\n<partition>\n<topic>`.
final class RocksDedupeStore: DedupeStore {
    let path: String
    private let resources: RocksDedupeResources
    private var db: OpaquePointer
    private(set) var checkpoint: DedupeCheckpoint?
    private(set) var count: Int

    private static let countKey = Array("mcount".utf8)
    private static let checkpointKey = Array("mcheckpoint".utf8)

    /// Opens (or creates) the store at `path`.
    init(path: String, resources: RocksDedupeResources) throws(DedupeStoreError) {
        self.path = path
        self.resources = resources
        db = try resources.open(path)
        count = 0
        do {
            count = Int(try get(Self.countKey).map(Self.decodeInteger) ?? 0)
            checkpoint = try get(Self.checkpointKey).flatMap(Self.decodeCheckpoint)
        } catch {
            rocksdb_close(db)
            throw error
        }
    }

    func contains(_ key: String) throws(DedupeStoreError) -> Bool {
        try get(Self.byKey(key)) != nil
    }

    func apply(_ changes: [DedupeChange]) throws(DedupeStoreError) {
        guard !changes.isEmpty else { return }
        let batch = rocksdb_writebatch_create()
        defer { rocksdb_writebatch_destroy(batch) }
        var count = count
        // A key changed twice in one batch must see its first change.
        var pending: [String: Int64?] = [:]
        for change in changes {
            let byKey = Self.byKey(change.key)
            let previous: Int64?
            if let staged = pending[change.key] { previous = staged } else { previous = try get(byKey).map(Self.decodeInteger) }
            if let previous { put(batch, delete: Self.byTime(previous, change.key)) }
            if let time = change.firstSeen {
                if previous == nil { count += 1 }
                put(batch, byKey, Self.encodeInteger(time))
                put(batch, Self.byTime(time, change.key), [])
            } else if previous != nil {
                count -= 1
                put(batch, delete: byKey)
            }
            pending[change.key] = .some(change.firstSeen)
        }
        put(batch, Self.countKey, Self.encodeInteger(Int64(count)))
        try write(batch)
        self.count = count
    }

    func expire(through cutoff: Int64, limit: Int) throws(DedupeStoreError) -> [String] {
        var expired: [String] = []
        let batch = rocksdb_writebatch_create()
        defer { rocksdb_writebatch_destroy(batch) }
        let iterator = rocksdb_create_iterator(db, resources.readOptions)
        defer { rocksdb_iter_destroy(iterator) }
        let prefix: [UInt8] = [UInt8(ascii: "t")]
        prefix.withUnsafeBufferPointer { rocksdb_iter_seek(iterator, $0.baseAddress.map(UnsafeRawPointer.init)?.assumingMemoryBound(to: CChar.self), 1) }
        var count = count
        while rocksdb_iter_valid(iterator) != 0, expired.count < limit {
            var length = 0
            guard let raw = rocksdb_iter_key(iterator, &length) else { break }
            let entry = Array(UnsafeRawBufferPointer(start: raw, count: length))
            guard entry.first == UInt8(ascii: "t"), entry.count >= 9 else { break }
            let time = Self.decodeInteger(entry[1..<9])
            guard time <= cutoff else { break }
            let key = String(decoding: entry[9...], as: UTF8.self)
            put(batch, delete: entry)
            // An entry whose time is not the key's current one is left over from an earlier first-seen.
            if try get(Self.byKey(key)).map(Self.decodeInteger) == time {
                put(batch, delete: Self.byKey(key))
                count -= 1
                expired.append(key)
            }
            rocksdb_iter_next(iterator)
        }
        try iteratorStatus(iterator)
        guard rocksdb_writebatch_count(batch) > 0 else { return [] }
        put(batch, Self.countKey, Self.encodeInteger(Int64(count)))
        try write(batch)
        self.count = count
        return expired
    }

    func record(_ checkpoint: DedupeCheckpoint) throws(DedupeStoreError) {
        let batch = rocksdb_writebatch_create()
        defer { rocksdb_writebatch_destroy(batch) }
        put(batch, Self.checkpointKey, Array("\(checkpoint.offset)\n\(checkpoint.partition)\n\(checkpoint.topic)".utf8))
        try write(batch)
        self.checkpoint = checkpoint
    }

    func reset() throws(DedupeStoreError) {
        rocksdb_close(db)
        try resources.destroy(path)
        db = try resources.open(path)
        count = 0
        checkpoint = nil
    }

    func close() {
        rocksdb_close(db)
    }

    // MARK: Encoding

    private static func byKey(_ key: String) -> [UInt8] { [UInt8(ascii: "k")] + Array(key.utf8) }

    private static func byTime(_ time: Int64, _ key: String) -> [UInt8] {
        [UInt8(ascii: "t")] + encodeInteger(time) + Array(key.utf8)
    }

    /// Big-endian, so byte order is time order (first-seen times are never negative).
    private static func encodeInteger(_ value: Int64) -> [UInt8] {
        withUnsafeBytes(of: UInt64(bitPattern: value).bigEndian) { Array($0) }
    }

    private static func decodeInteger<Bytes: Collection<UInt8>>(_ bytes: Bytes) -> Int64 {
        Int64(bitPattern: bytes.prefix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) })
    }

    private static func decodeCheckpoint(_ bytes: [UInt8]) -> DedupeCheckpoint? {
        let parts = String(decoding: bytes, as: UTF8.self).split(separator: "\n", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3, let offset = Int64(parts[0]), let partition = Int32(parts[1]) else { return nil }
        return DedupeCheckpoint(topic: String(parts[2]), partition: partition, offset: offset)
    }

    // MARK: RocksDB calls

    private func get(_ key: [UInt8]) throws(DedupeStoreError) -> [UInt8]? {
        var length = 0
        var error: UnsafeMutablePointer<CChar>?
        let value = key.withUnsafeBufferPointer {
            $0.withMemoryRebound(to: CChar.self) { rocksdb_get(db, resources.readOptions, $0.baseAddress, $0.count, &length, &error) }
        }
        try DedupeStoreError.check(error, "reading \(path)")
        guard let value else { return nil }
        defer { rocksdb_free(value) }
        return Array(UnsafeRawBufferPointer(start: value, count: length))
    }

    private func put(_ batch: OpaquePointer?, _ key: [UInt8], _ value: [UInt8]) {
        // An empty value still needs a valid pointer; its length says no byte is read.
        let bytes = value.isEmpty ? [0] : value
        key.withUnsafeBufferPointer { k in
            bytes.withUnsafeBufferPointer { v in
                k.withMemoryRebound(to: CChar.self) { k in
                    v.withMemoryRebound(to: CChar.self) { v in
                        rocksdb_writebatch_put(batch, k.baseAddress, k.count, v.baseAddress, value.count)
                    }
                }
            }
        }
    }

    private func put(_ batch: OpaquePointer?, delete key: [UInt8]) {
        key.withUnsafeBufferPointer { k in
            k.withMemoryRebound(to: CChar.self) { rocksdb_writebatch_delete(batch, $0.baseAddress, $0.count) }
        }
    }

    private func write(_ batch: OpaquePointer?) throws(DedupeStoreError) {
        var error: UnsafeMutablePointer<CChar>?
        rocksdb_write(db, resources.writeOptions, batch, &error)
        try DedupeStoreError.check(error, "writing \(path)")
    }

    private func iteratorStatus(_ iterator: OpaquePointer?) throws(DedupeStoreError) {
        var error: UnsafeMutablePointer<CChar>?
        rocksdb_iter_get_error(iterator, &error)
        try DedupeStoreError.check(error, "reading \(path)")
    }
}

/// What every partition's RocksDB store of one router shares: the block cache (so the memory of
/// all of them together is bounded), options, read and write options.
final class RocksDedupeResources: @unchecked Sendable {
    /// Holds index and filter blocks too, so they do not grow with the number of keys.
    static let blockCacheBytes = 16 << 20
    /// Per partition, at most two of them at once.
    static let memtableBytes = 4 << 20

    private let options: OpaquePointer
    private let tableOptions: OpaquePointer
    private let cache: OpaquePointer
    private let filter: OpaquePointer
    let readOptions: OpaquePointer
    /// The write-ahead log is written but not synced: the store is a cache of the changelog, and
    /// what a crash takes is read again from the changelog after the checkpoint.
    let writeOptions: OpaquePointer

    init() {
        cache = rocksdb_cache_create_lru(Self.blockCacheBytes)
        filter = rocksdb_filterpolicy_create_bloom(10)
        tableOptions = rocksdb_block_based_options_create()
        rocksdb_block_based_options_set_block_cache(tableOptions, cache)
        rocksdb_block_based_options_set_cache_index_and_filter_blocks(tableOptions, 1)
        rocksdb_block_based_options_set_pin_l0_filter_and_index_blocks_in_cache(tableOptions, 1)
        // Partitioned index and filters: only the small top level stays pinned, the partitions
        // come and go through the cache, so a large store does not thrash it with whole filters.
        rocksdb_block_based_options_set_index_type(tableOptions, Int32(rocksdb_block_based_table_index_type_two_level_index_search))
        rocksdb_block_based_options_set_partition_filters(tableOptions, 1)
        rocksdb_block_based_options_set_metadata_block_size(tableOptions, 4096)
        rocksdb_block_based_options_set_filter_policy(tableOptions, filter)
        options = rocksdb_options_create()
        rocksdb_options_set_create_if_missing(options, 1)
        rocksdb_options_set_write_buffer_size(options, Self.memtableBytes)
        rocksdb_options_set_max_write_buffer_number(options, 2)
        rocksdb_options_set_block_based_table_factory(options, tableOptions)
        rocksdb_options_set_info_log_level(options, 2)  // WARN: RocksDB's own LOG file stays small
        rocksdb_options_set_keep_log_file_num(options, 2)
        readOptions = rocksdb_readoptions_create()
        writeOptions = rocksdb_writeoptions_create()
    }

    deinit {
        rocksdb_readoptions_destroy(readOptions)
        rocksdb_writeoptions_destroy(writeOptions)
        rocksdb_options_destroy(options)
        rocksdb_block_based_options_destroy(tableOptions)
        rocksdb_cache_destroy(cache)
    }

    func open(_ path: String) throws(DedupeStoreError) -> OpaquePointer {
        do {
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        } catch {
            throw DedupeStoreError("cannot create the directory of \(path): \(error)")
        }
        var error: UnsafeMutablePointer<CChar>?
        let db = rocksdb_open(options, path, &error)
        try DedupeStoreError.check(error, "opening \(path)")
        guard let db else { throw DedupeStoreError("opening \(path) failed") }
        return db
    }

    func destroy(_ path: String) throws(DedupeStoreError) {
        var error: UnsafeMutablePointer<CChar>?
        rocksdb_destroy_db(options, path, &error)
        try DedupeStoreError.check(error, "deleting \(path)")
    }
}

/// A de-duplication store failed; the message names the store and RocksDB's reason.
struct DedupeStoreError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }

    /// Throws (and frees) a RocksDB error string.
    static func check(_ error: UnsafeMutablePointer<CChar>?, _ doing: String) throws(DedupeStoreError) {
        guard let error else { return }
        let message = String(cString: error)
        rocksdb_free(error)
        throw DedupeStoreError("\(doing): \(message)")
    }
}
