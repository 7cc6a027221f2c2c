import Foundation
import HeraldProtos
import SwiftProtobuf

/// Rows of the delivery log as the API's messages, and the log's time unit (pure).
enum DeliveryLogRows {
    static let deadState = Herald_V1_DeliveryState.dead.rawValue

    static func micros(_ timestamp: Google_Protobuf_Timestamp) -> Int64 {
        timestamp.seconds * 1_000_000 + Int64(timestamp.nanos / 1000)
    }

    static func micros(_ date: Date) -> Int64 {
        Int64((date.timeIntervalSince1970 * 1_000_000).rounded())
    }

    static func timestamp(_ micros: Int64) -> Google_Protobuf_Timestamp {
        let (seconds, remainder) = micros.quotientAndRemainder(dividingBy: 1_000_000)
        return remainder < 0
            ? Google_Protobuf_Timestamp(seconds: seconds - 1, nanos: Int32(remainder + 1_000_000) * 1000)
            : Google_Protobuf_Timestamp(seconds: seconds, nanos: Int32(remainder) * 1000)
    }

    static func record(_ row: LogRow) -> Herald_V1_DeliveryRecord {
        .with {
            $0.deliveryID = row["delivery_id"]?.text ?? ""
            $0.eventSource = row["event_source"]?.text ?? ""
            $0.eventID = row["event_id"]?.text ?? ""
            $0.eventType = row["event_type"]?.text ?? ""
            $0.endpointID = row["endpoint_id"]?.text ?? ""
            $0.routeID = row["route_id"]?.text ?? ""
            $0.state = Herald_V1_DeliveryState(rawValue: Int(row["state"]?.integer ?? 0)) ?? .unspecified
            $0.attempts = Int32(clamping: row["attempts"]?.integer ?? 0)
            $0.lastStatusCode = Int32(clamping: row["last_status_code"]?.integer ?? 0)
            $0.lastError = row["last_error"]?.text ?? ""
            $0.updatedAt = timestamp(row["updated_us"]?.integer ?? 0)
            if let next = row["next_attempt_us"]?.integer { $0.nextAttemptAt = timestamp(next) }
        }
    }

    static func attempt(_ row: LogRow, of record: Herald_V1_DeliveryRecord) -> Herald_V1_DeliveryAttempt {
        var attempt = AttemptRecord.of(record)
        attempt.endpointID = row["endpoint_id"]?.text ?? ""
        attempt.attemptedAt = timestamp(row["attempted_us"]?.integer ?? 0)
        let duration = row["duration_us"]?.integer ?? 0
        attempt.duration = Google_Protobuf_Duration(seconds: duration / 1_000_000, nanos: Int32(duration % 1_000_000) * 1000)
        attempt.statusCode = Int32(clamping: row["status_code"]?.integer ?? 0)
        attempt.error = row["error"]?.text ?? ""
        attempt.responseBody = Data(row["response_body"]?.blob ?? [])
        attempt.state = Herald_V1_DeliveryState(rawValue: Int(row["state"]?.integer ?? 0)) ?? .unspecified
        attempt.attempts = Int32(clamping: row["attempts"]?.integer ?? 0)
        if let next = row["next_attempt_us"]?.integer { attempt.nextAttemptAt = timestamp(next) }
        return attempt
    }
}
