import HeraldCore
import HeraldDelivery
import HeraldProtos

/// One kind of list a console or `herald deliveries list` asks for: its filter (drawn afresh for
/// each repetition: a random endpoint, type, source or time window of the history) and which
/// page of it is timed.
struct DeliveryLogQueryShape: Sendable {
    enum Page: Sendable, Hashable {
        /// The first page.
        case first
        /// Pages 2 through `pages`, each reached with the previous page's cursor.
        case following(pages: Int)
        /// One page after a cursor at a random time of the filter's range (of the whole history
        /// without one): as deep as paging would get.
        case deep
    }

    var name: String
    var page: Page
    var filter: @Sendable (DeliveryLogHistory, inout SplitMix64) -> DeliveryFilter

    static let hour: Int64 = 3_600_000_000
    static let dead = Herald_V1_DeliveryState.dead.rawValue

    /// The shapes measured, in the order printed.
    static let all: [DeliveryLogQueryShape] = [
        DeliveryLogQueryShape(name: "newest, no filter", page: .first) { _, _ in DeliveryFilter() },
        DeliveryLogQueryShape(name: "endpoint", page: .first) { history, random in DeliveryFilter(endpointID: endpoint(history, &random)) },
        DeliveryLogQueryShape(name: "endpoint, pages 2-10 by cursor", page: .following(pages: 10)) { history, random in
            DeliveryFilter(endpointID: endpoint(history, &random))
        },
        DeliveryLogQueryShape(name: "endpoint, deep page by cursor", page: .deep) { history, random in
            DeliveryFilter(endpointID: endpoint(history, &random))
        },
        DeliveryLogQueryShape(name: "state dead", page: .first) { _, _ in DeliveryFilter(state: dead) },
        DeliveryLogQueryShape(name: "state dead, deep page by cursor", page: .deep) { _, _ in DeliveryFilter(state: dead) },
        DeliveryLogQueryShape(name: "event type", page: .first) { history, random in
            DeliveryFilter(eventType: history.eventType(Int.random(in: 0..<history.eventTypes, using: &random)))
        },
        DeliveryLogQueryShape(name: "source", page: .first) { history, random in
            DeliveryFilter(eventSource: history.source(Int.random(in: 0..<history.sources, using: &random)))
        },
        DeliveryLogQueryShape(name: "time range (1 h)", page: .first) { history, random in window(history, hour, &random) },
        DeliveryLogQueryShape(name: "time range (1 h), pages 2-10 by cursor", page: .following(pages: 10)) { history, random in
            window(history, hour, &random)
        },
        DeliveryLogQueryShape(name: "time range (7 d), deep page by cursor", page: .deep) { history, random in
            window(history, 7 * 24 * hour, &random)
        },
        DeliveryLogQueryShape(name: "endpoint and state dead", page: .first) { history, random in
            DeliveryFilter(endpointID: endpoint(history, &random), state: dead)
        },
        DeliveryLogQueryShape(name: "endpoint and time range (1 d)", page: .first) { history, random in
            var filter = window(history, 24 * hour, &random)
            filter.endpointID = endpoint(history, &random)
            return filter
        },
        DeliveryLogQueryShape(name: "event type and time range (1 h)", page: .first) { history, random in
            var filter = window(history, hour, &random)
            filter.eventType = history.eventType(Int.random(in: 0..<history.eventTypes, using: &random))
            return filter
        },
        DeliveryLogQueryShape(name: "endpoint and event type", page: .first) { history, random in
            DeliveryFilter(endpointID: endpoint(history, &random), eventType: history.eventType(Int.random(in: 0..<history.eventTypes, using: &random)))
        },
    ]

    private static func endpoint(_ history: DeliveryLogHistory, _ random: inout SplitMix64) -> String {
        history.endpoint(Int.random(in: 0..<history.endpoints, using: &random))
    }

    /// `length` of the history at a random place (the whole history when it is shorter).
    static func window(_ history: DeliveryLogHistory, _ length: Int64, _ random: inout SplitMix64) -> DeliveryFilter {
        let latestStart = max(history.startMicros, history.endMicros - length)
        let since = Int64.random(in: history.startMicros...latestStart, using: &random)
        return DeliveryFilter(sinceMicros: since, untilMicros: since + length)
    }

    /// A cursor at a random time of the filter's range within the history, for `.deep` pages.
    static func deepCursor(_ history: DeliveryLogHistory, _ filter: DeliveryFilter, _ random: inout SplitMix64) -> DeliveryCursor {
        let lowest = max(filter.sinceMicros ?? history.startMicros, history.startMicros)
        let highest = max(min(filter.untilMicros ?? history.endMicros, history.endMicros), lowest)
        return DeliveryCursor(updatedMicros: Int64.random(in: lowest...highest, using: &random), deliveryID: "dlv_8")
    }
}
