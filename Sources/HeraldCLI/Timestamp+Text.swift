import Foundation
import SwiftProtobuf

extension Google_Protobuf_Timestamp {
    /// How `herald` prints a time: ISO 8601 in UTC (`2026-05-01T12:00:00Z`).
    var iso8601: String { ISO8601DateFormatter().string(from: date) }
}
