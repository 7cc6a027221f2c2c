import Foundation
import Logging

/// Opens the de-duplication store of each partition a router is assigned: in memory, or a RocksDB
/// store per partition under `<data-dir>/router-dedupe/<instance-id>/<dedupe-topic>/<partition>`.
final class DedupeStores {
    private let directory: String?
    private let retentionMilliseconds: Int64
    private let logger: Logger
    private lazy var resources = RocksDedupeResources()

    /// - Parameter dataDirectory: nil keeps the keys in memory.
    init(dataDirectory: String?, instanceID: String, retentionMilliseconds: Int64, logger: Logger) {
        directory = dataDirectory.map { ($0 as NSString).appendingPathComponent("router-dedupe/\(instanceID)") }
        self.retentionMilliseconds = retentionMilliseconds
        self.logger = logger
    }

    /// Whether stores outlive the process, so checkpoints are worth recording.
    var persist: Bool { directory != nil }

    /// The store of `partition` of the changelog `topic`. A store that cannot be opened (damaged)
    /// is deleted and created empty: it is only a cache, and an empty store is rebuilt.
    func open(topic: String, partition: Int32) throws -> any DedupeStore {
        guard let directory else { return MemoryDedupeStore(retentionMilliseconds: retentionMilliseconds) }
        let path = (directory as NSString).appendingPathComponent("\(topic)/\(partition)")
        do {
            return try RocksDedupeStore(path: path, resources: resources)
        } catch {
            logger.warning("De-duplication store unreadable; deleting it to rebuild it from the changelog", metadata: [
                "path": "\(path)", "error": "\(error)",
            ])
            try resources.destroy(path)
            return try RocksDedupeStore(path: path, resources: resources)
        }
    }
}
