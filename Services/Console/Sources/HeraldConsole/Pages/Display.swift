import Foundation
import HeraldProtos
import SwiftProtobuf

/// How protobuf values read on a page.
enum Display {
    static func time(_ timestamp: Google_Protobuf_Timestamp?) -> String {
        guard let timestamp else { return "" }
        return ISO8601DateFormatter().string(from: timestamp.date)
    }

    static func seconds(_ duration: Google_Protobuf_Duration) -> String {
        String(format: "%.3f s", Double(duration.seconds) + Double(duration.nanos) / 1e9)
    }

    static func state(_ state: Herald_V1_DeliveryState) -> String {
        switch state {
        case .pending: "PENDING"
        case .succeeded: "SUCCEEDED"
        case .retrying: "RETRYING"
        case .dead: "DEAD"
        default: "UNKNOWN"
        }
    }

    /// A delivery record as a table row.
    struct Delivery {
        let id: String
        let event: String
        let type: String
        let endpoint: String
        let route: String
        let state: String
        let attempts: Int32
        let status: String
        // Optional, not empty: a template section renders for any string, even an empty one.
        let error: String?
        let updated: String
        let next: String?

        init(_ record: Herald_V1_DeliveryRecord) {
            id = record.deliveryID
            event = "\(record.eventSource) #\(record.eventID)"
            type = record.eventType
            endpoint = record.endpointID
            route = record.routeID
            state = Display.state(record.state)
            attempts = record.attempts
            status = record.lastStatusCode == 0 ? "" : "\(record.lastStatusCode)"
            error = record.lastError.isEmpty ? nil : record.lastError
            updated = record.hasUpdatedAt ? Display.time(record.updatedAt) : ""
            next = record.hasNextAttemptAt ? Display.time(record.nextAttemptAt) : nil
        }
    }
}
