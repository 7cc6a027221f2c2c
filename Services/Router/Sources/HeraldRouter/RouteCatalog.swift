import Foundation
import HeraldCore
import HeraldKafka
import HeraldProtos
import Logging
import SwiftProtobuf
import Synchronization

/// The routes of `herald.routes`, followed by every router instance, and the matcher compiled
/// from them. The index is rebuilt on the first lookup after the table changed, so the loop pays
/// one lock per batch while routes are unchanged, and a change applies to the next batch.
final class RouteCatalog: Sendable {
    let table: CompactedTable<String, Herald_V1_Route>
    private let compiled = Mutex<(revision: Int, index: RouteIndex)>((-1, .empty))

    init(topic: String, kafka: KafkaConfiguration, logger: Logger) {
        table = CompactedTable(topic: topic, configuration: kafka, logger: logger) { bytes in
            try Herald_V1_Route(serializedBytes: bytes)
        }
    }

    /// The matcher for the routes as they are now.
    func index() -> RouteIndex {
        let revision = table.revision
        if let current = compiled.withLock({ $0.revision == revision ? $0.index : nil }) { return current }
        let (latest, routes) = table.versionedSnapshot()
        let index = RouteIndex(routes.values.map(RouteRule.init))
        compiled.withLock { state in
            if latest > state.revision { state = (latest, index) }
        }
        return index
    }

    func route(_ id: String) -> Herald_V1_Route? { table[id] }

    func all() -> [Herald_V1_Route] {
        table.snapshot().values.sorted { $0.id < $1.id }
    }
}
